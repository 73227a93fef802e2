//! The peer's audio stream: a G.711 tone (or silence) out every 20 ms, G.711 in through the
//! jitter buffer, decoded to 16-bit PCM for the report's level and tone analysis and for the
//! recording.

use std::time::{Duration, Instant};

use media::g711::Law;
use media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
use media::rtp::RtpPacket;
use media::tone::Tone;
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use super::session::{Counts, Session};
use super::Control;

/// Samples per 20 ms packet at 8 kHz.
pub const FRAME: usize = 160;
/// Peak amplitude of the test tone: -6 dBFS, loud and far from clipping.
const TONE_AMPLITUDE: i16 = 16_000;
/// Without --record, the report analyses the last this many samples (8 s).
const ANALYSIS_SAMPLES: usize = 8 * 8000;

/// What the audio stream hands back when it stops.
#[derive(Debug, Default)]
pub struct AudioOutcome {
    pub sent: Counts,
    pub received: Counts,
    /// Decoded audio in playout order, concealed gaps as silence.
    pub pcm: Vec<i16>,
    /// Milliseconds from the engine start to the first played frame (for the recording).
    pub start_ms: Option<u64>,
}

pub async fn run(
    mut session: Session,
    tone_hz: Option<f64>,
    keep_all: bool,
    epoch: Instant,
    mut control: mpsc::UnboundedReceiver<Control>,
    mut stop: watch::Receiver<bool>,
) -> AudioOutcome {
    let mut tone = tone_hz.map(|f| Tone::new(f, TONE_AMPLITUDE, 8000));
    let mut jitter: JitterBuffer<(u8, Vec<u8>)> = JitterBuffer::new(JitterConfig::audio_8k_20ms());
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut report = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(5),
    );
    let mut out = AudioOutcome::default();
    let mut timestamp: u32 = session.ssrc.rotate_left(7);
    let mut law = Law::Ulaw;
    let mut rtp_buf = vec![0u8; 2048];
    let mut rtcp_buf = vec![0u8; 2048];
    let mut pcm = vec![0i16; FRAME];
    let mut codes = vec![0u8; FRAME];
    let (rtp, rtcp) = (session.sockets.rtp.clone(), session.sockets.rtcp.clone());
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            c = control.recv() => match c {
                Some(Control::Remote(r)) => {
                    law = Law::from_payload_type(r.payload_type).unwrap_or(Law::Ulaw);
                    session.remote = Some(r);
                }
                Some(Control::Intra) => {}
                None => break,
            },
            r = rtp.recv_from(&mut rtp_buf) => {
                let Ok((n, _)) = r else { continue };
                let now = Instant::now();
                if let Ok(p) = RtpPacket::parse(&rtp_buf[..n]) {
                    if Law::from_payload_type(p.payload_type).is_some() {
                        session.on_rtp(now, &p);
                        jitter.push(now, Packet {
                            sequence: p.sequence,
                            timestamp: p.timestamp,
                            marker: p.marker,
                            payload: (p.payload_type, p.payload.to_vec()),
                        });
                    }
                }
            }
            r = rtcp.recv_from(&mut rtcp_buf) => {
                if let Ok((n, _)) = r {
                    session.on_rtcp(Instant::now(), &rtcp_buf[..n]);
                }
            }
            _ = report.tick() => session.send_report(Instant::now()).await,
            _ = tick.tick() => {
                let now = Instant::now();
                if session.remote.is_some() {
                    match &mut tone {
                        Some(t) => t.fill(&mut pcm),
                        None => pcm.fill(0),
                    }
                    law.encode(&pcm, &mut codes);
                    let seq = session.next_seq();
                    let mut p = RtpPacket::new(law.payload_type(), seq, timestamp, session.ssrc);
                    p.payload = &codes;
                    if let Ok(bytes) = p.to_vec() {
                        session.send_rtp(now, &bytes, timestamp, FRAME).await;
                    }
                    timestamp = timestamp.wrapping_add(FRAME as u32);
                }
                while let Some(played) = jitter.pop(now) {
                    let samples = match played {
                        Playout::Frame(f) => {
                            let (pt, bytes) = f.payload;
                            let mut s = vec![0i16; bytes.len()];
                            Law::from_payload_type(pt).unwrap_or(Law::Ulaw).decode(&bytes, &mut s);
                            s
                        }
                        Playout::Conceal { .. } => vec![0i16; FRAME],
                    };
                    out.start_ms.get_or_insert_with(|| now.duration_since(epoch).as_millis() as u64);
                    out.pcm.extend_from_slice(&samples);
                    if !keep_all && out.pcm.len() > 2 * ANALYSIS_SAMPLES {
                        out.pcm.drain(..out.pcm.len() - ANALYSIS_SAMPLES);
                    }
                }
            }
        }
    }
    session.send_bye(Instant::now()).await;
    out.sent = session.sent();
    out.received = session.received();
    out
}
