//! G.711 audio through a room: what a participant sends us (jitter buffer, RFC 3550 reception
//! statistics, decoding by payload type), and the room's 20 ms N−1 mix, each participant's mix
//! encoded in the law of its own transmit channel on its own RTP stream.
//!
//! Sans-IO like `crates/media`: packets and `now` come in, datagrams go out through a callback,
//! so the benchmark drives exactly the code the room task runs.

use std::net::SocketAddr;
use std::time::Instant;

use media::g711::Law;
use media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
use media::mixer::{Frame, Mixer, FRAME_SAMPLES};
use media::rtp::{ClockRate, RtpPacket};
use media::stats::ReceiverStats;

use super::rtp_out::RtpOut;

/// A participant's incoming audio.
#[derive(Debug)]
pub struct AudioIn {
    jitter: JitterBuffer<(u8, Vec<u8>)>,
    /// Reception statistics of the current source, once a packet came.
    pub stats: Option<ReceiverStats>,
    /// The law of the participant's receive channel, used when a packet's payload type is
    /// neither 0 nor 8.
    pub law: Law,
    /// Packets and payload bytes received.
    pub packets: u64,
    /// Payload bytes received.
    pub bytes: u64,
}

impl Default for AudioIn {
    fn default() -> Self {
        Self {
            jitter: JitterBuffer::new(JitterConfig::audio_8k_20ms()),
            stats: None,
            law: Law::Ulaw,
            packets: 0,
            bytes: 0,
        }
    }
}

impl AudioIn {
    /// Takes one RTP packet that arrived at `now`.
    pub fn on_rtp(&mut self, now: Instant, p: &RtpPacket<'_>) {
        self.packets += 1;
        self.bytes += p.payload.len() as u64;
        ReceiverStats::for_source(&mut self.stats, p.ssrc, ClockRate::AUDIO_8K).on_packet(
            now,
            p.sequence,
            p.timestamp,
        );
        self.jitter.push(
            now,
            Packet {
                sequence: p.sequence,
                timestamp: p.timestamp,
                marker: p.marker,
                payload: (p.payload_type, p.payload.to_vec()),
            },
        );
    }

    /// This tick's 20 ms of the participant's voice into `out`; false (and `out` untouched)
    /// when there is none: nothing due, a lost packet (concealed as silence), or an unknown codec.
    pub fn pop(&mut self, now: Instant, out: &mut Frame) -> bool {
        match self.jitter.pop(now) {
            Some(Playout::Frame(p)) => {
                let (pt, bytes) = &p.payload;
                let law = Law::from_payload_type(*pt).unwrap_or(self.law);
                if bytes.len() < FRAME_SAMPLES {
                    // A shorter packet: decode what there is, silence after it.
                    out.fill(0);
                }
                law.decode(bytes, out);
                true
            }
            Some(Playout::Conceal { .. }) | None => false,
        }
    }

    /// Current interarrival jitter in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.stats
            .as_ref()
            .map_or(0.0, |s| s.jitter_duration().as_secs_f64() * 1000.0)
    }
}

/// A participant's outgoing audio: the law of its transmit channel and its stream.
#[derive(Debug)]
pub struct AudioOut {
    /// µ-law or A-law, as the channel was opened.
    pub law: Law,
    /// The RTP stream.
    pub rtp: RtpOut,
}

/// One participant's audio, both ways.
#[derive(Debug, Default)]
pub struct ParticipantAudio {
    /// What it sends us.
    pub rx: AudioIn,
    /// What we send it, once its transmit channel is open.
    pub tx: Option<AudioOut>,
}

/// The room's mixer and scratch buffers, reused every tick.
#[derive(Debug, Default)]
pub struct AudioMix {
    mixer: Mixer,
    decoded: Vec<Frame>,
    present: Vec<bool>,
    mixed: Vec<Frame>,
    encoded: Vec<u8>,
}

impl AudioMix {
    /// One 20 ms tick at `now`, room media time `ts` (8 kHz ticks since the room started):
    /// pulls each participant's frame, mixes N−1, encodes per participant and hands every
    /// datagram to `send(participant index, destination, bytes)`.
    pub fn tick(
        &mut self,
        now: Instant,
        ts: u32,
        parts: &mut [&mut ParticipantAudio],
        mut send: impl FnMut(usize, SocketAddr, &[u8]),
    ) {
        let n = parts.len();
        self.decoded.resize(n, [0; FRAME_SAMPLES]);
        self.mixed.resize(n, [0; FRAME_SAMPLES]);
        self.present.resize(n, false);
        for (i, p) in parts.iter_mut().enumerate() {
            self.present[i] = p.rx.pop(now, &mut self.decoded[i]);
        }
        let inputs: Vec<Option<&Frame>> = self
            .decoded
            .iter()
            .zip(&self.present)
            .map(|(f, &ok)| ok.then_some(f))
            .collect();
        self.mixer.mix_minus(&inputs, &mut self.mixed);
        self.encoded.resize(FRAME_SAMPLES, 0);
        for (i, (p, mixed)) in parts.iter_mut().zip(&self.mixed).enumerate() {
            let Some(tx) = &mut p.tx else { continue };
            tx.law.encode(mixed, &mut self.encoded);
            let dest = tx.rtp.dest;
            let bytes = tx.rtp.packet(now, ts, false, &self.encoded);
            send(i, dest, bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use media::tone::{goertzel_power, Tone};
    use std::time::Duration;

    #[test]
    fn each_hears_the_others_in_the_law_of_its_channel() {
        let dest: SocketAddr = "127.0.0.1:4000".parse().unwrap();
        let laws = [Law::Ulaw, Law::Alaw, Law::Ulaw];
        let freqs = [500.0, 900.0, 1300.0];
        let mut parts: Vec<ParticipantAudio> = laws
            .iter()
            .enumerate()
            .map(|(i, &law)| ParticipantAudio {
                tx: Some(AudioOut {
                    law,
                    rtp: RtpOut::new(
                        i as u64,
                        law.payload_type(),
                        ClockRate::AUDIO_8K,
                        dest,
                        dest,
                    ),
                }),
                ..ParticipantAudio::default()
            })
            .collect();
        let mut tones: Vec<Tone> = freqs.iter().map(|&f| Tone::new(f, 6000, 8000)).collect();
        let mut mix = AudioMix::default();
        let t0 = Instant::now();
        let mut heard: Vec<Vec<i16>> = vec![Vec::new(); 3];
        for n in 0..50u32 {
            let now = t0 + Duration::from_millis(20) * n;
            for (i, p) in parts.iter_mut().enumerate() {
                let mut pcm = [0i16; FRAME_SAMPLES];
                tones[i].fill(&mut pcm);
                // Everyone sends µ-law; the MCU decodes by payload type.
                let mut g = [0u8; FRAME_SAMPLES];
                Law::Ulaw.encode(&pcm, &mut g);
                let mut pkt = RtpPacket::new(0, n as u16, n * 160, 10 + i as u32);
                pkt.payload = &g;
                let bytes = pkt.to_vec().unwrap();
                p.rx.on_rtp(now, &RtpPacket::parse(&bytes).unwrap());
            }
            let mut refs: Vec<&mut ParticipantAudio> = parts.iter_mut().collect();
            mix.tick(now, n * 160, &mut refs, |i, _, bytes| {
                let p = RtpPacket::parse(bytes).unwrap();
                assert_eq!(p.payload_type, laws[i].payload_type());
                let mut pcm = [0i16; FRAME_SAMPLES];
                laws[i].decode(p.payload, &mut pcm);
                heard[i].extend_from_slice(&pcm);
            });
        }
        for (i, h) in heard.iter().enumerate() {
            // The last 400 ms, well past the jitter buffer's start.
            let tail = &h[h.len() - 3200..];
            for (j, &f) in freqs.iter().enumerate() {
                let amp = goertzel_power(tail, f, 8000).sqrt();
                if i == j {
                    assert!(amp < 300.0, "{i} hears itself: {amp}");
                } else {
                    assert!(amp > 5000.0, "{i} does not hear {j}: {amp}");
                }
            }
        }
        // Sequence numbers of each outgoing stream are consecutive.
        let sent = parts[0].tx.as_ref().unwrap().rtp.stats.packets();
        assert_eq!(sent, 50);
    }
}
