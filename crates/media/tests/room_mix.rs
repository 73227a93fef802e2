//! A 4-party audio room as the MCU runs it: each participant sends A-law RTP with a tone of its
//! own through a jittery, lossy network into a jitter buffer; every 20 ms the room pops one
//! frame per participant, decodes, mixes N−1 and encodes. Goertzel on what each participant
//! receives: every other participant's tone, not its own.

use std::time::{Duration, Instant};

use media::g711::Law;
use media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
use media::mixer::{Frame, Mixer, FRAME_SAMPLES};
use media::rtp::RtpPacket;
use media::tone::{goertzel_power, Tone};

const FREQS: [f64; 4] = [500.0, 900.0, 1300.0, 1700.0];
const TICKS: u32 = 150;

#[test]
fn everyone_hears_everyone_else() {
    let t0 = Instant::now();
    let ms = |m: u64| t0 + Duration::from_millis(m);
    // Network: packet k of participant p arrives after 5..35 ms; one packet each is lost.
    let mut arrivals: Vec<(Instant, usize, Vec<u8>)> = Vec::new();
    for (p, hz) in FREQS.iter().enumerate() {
        let mut tone = Tone::new(*hz, 4000, 8000);
        for k in 0..TICKS {
            let mut pcm = [0i16; FRAME_SAMPLES];
            tone.fill(&mut pcm);
            let mut payload = [0u8; FRAME_SAMPLES];
            Law::Alaw.encode(&pcm, &mut payload);
            if k == 40 + p as u32 * 7 {
                continue;
            }
            let mut rtp = RtpPacket::new(8, (1000 * p as u32 + k) as u16, 160 * k, p as u32 + 1);
            rtp.payload = &payload;
            let delay = 5 + u64::from((k * 37 + p as u32 * 11) % 31);
            arrivals.push((ms(20 * u64::from(k) + delay), p, rtp.to_vec().unwrap()));
        }
    }
    arrivals.sort_by_key(|a| a.0);
    let mut arrivals = arrivals.into_iter().peekable();
    let mut jbs: Vec<JitterBuffer<Vec<u8>>> = (0..4)
        .map(|_| JitterBuffer::new(JitterConfig::audio_8k_20ms()))
        .collect();
    let mut last: [Frame; 4] = [[0; FRAME_SAMPLES]; 4];
    let mut mixer = Mixer::new();
    let mut heard: Vec<Vec<i16>> = vec![Vec::new(); 4];
    for tick in 0..TICKS + 10 {
        let now = ms(20 * u64::from(tick) + 10);
        while let Some((_, p, bytes)) = arrivals.next_if(|a| a.0 <= now) {
            let rtp = RtpPacket::parse(&bytes).unwrap();
            jbs[p].push(
                now,
                Packet {
                    sequence: rtp.sequence,
                    timestamp: rtp.timestamp,
                    marker: rtp.marker,
                    payload: rtp.payload.to_vec(),
                },
            );
        }
        let mut frames: [Option<Frame>; 4] = [None; 4];
        for (p, jb) in jbs.iter_mut().enumerate() {
            frames[p] = match jb.pop(now) {
                Some(Playout::Frame(f)) => {
                    let mut pcm = [0i16; FRAME_SAMPLES];
                    Law::Alaw.decode(&f.payload, &mut pcm);
                    last[p] = pcm;
                    Some(pcm)
                }
                // Simplest concealment: repeat the previous frame.
                Some(Playout::Conceal { .. }) => Some(last[p]),
                None => None,
            };
        }
        let inputs: Vec<Option<&Frame>> = frames.iter().map(Option::as_ref).collect();
        let mut out = [[0i16; FRAME_SAMPLES]; 4];
        mixer.mix_minus(&inputs, &mut out);
        for (p, o) in out.iter().enumerate() {
            let mut wire = [0u8; FRAME_SAMPLES];
            Law::Alaw.encode(o, &mut wire);
            let mut back = [0i16; FRAME_SAMPLES];
            Law::Alaw.decode(&wire, &mut back);
            heard[p].extend_from_slice(&back);
        }
    }
    for s in jbs.iter().map(JitterBuffer::stats) {
        assert!(s.concealed + s.skipped >= 1, "{s:?}");
    }
    // Analyse one steady second in the middle (ticks 60..110).
    for (p, pcm) in heard.iter().enumerate() {
        let window = &pcm[60 * FRAME_SAMPLES..110 * FRAME_SAMPLES];
        for (q, hz) in FREQS.iter().enumerate() {
            let amp = goertzel_power(window, *hz, 8000).sqrt();
            if p == q {
                assert!(amp < 200.0, "participant {p} hears itself at {amp}");
            } else {
                assert!(amp > 3000.0, "participant {p} hears {q} only at {amp}");
            }
        }
    }
}
