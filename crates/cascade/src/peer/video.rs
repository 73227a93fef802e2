//! The peer's video stream: a test pattern encoded by OpenH264 at about 15 fps and sent in
//! RFC 6184 packets, IDR on request; H.264 in through the jitter buffer, the depacketizer and the
//! decoder, with an intra request (RTCP PLI, or the owner's H.245 fast update) whenever there is
//! no picture to decode from. It counts what loss cost: pictures dropped, and how often decoding
//! stopped and resumed at a keyframe (the report's evidence of recovery by fast update).

use std::time::{Duration, Instant};

use media::h264::{self, AccessUnit, Depacketizer, H264RtpSender, Packetizer, NAL_PPS, NAL_SPS};
use media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
use media::mkv;
use media::rtcp::RtcpPacket;
use media::rtp::{ClockRate, RtpPacket, RtpTime, TimestampExtender, RTP_HEADER_LEN};
use media::video::{self, EncoderSettings, H264Decoder, H264Encoder, I420Frame, Rgb, CIF};
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use super::session::{Counts, Session};
use super::{Control, IntraPath, Notice};

/// Frames per second of the test pattern.
const FPS: u32 = 15;
/// Bit rate of the test pattern (a still picture needs little).
const BITRATE_BPS: u32 = 256_000;
/// At most one intra request per this interval while pictures are missing.
const INTRA_REQUEST_INTERVAL: Duration = Duration::from_millis(500);

/// SPS, PPS and (width, height) of a decoded keyframe.
pub type Parameters = (Vec<u8>, Vec<u8>, (usize, usize));

/// An access unit kept for the recording.
#[derive(Debug)]
pub struct RecordedAu {
    /// Milliseconds from the engine start.
    pub ms: u64,
    /// IDR.
    pub keyframe: bool,
    /// NAL units in AVC form (4-byte lengths).
    pub sample: Vec<u8>,
}

/// What the video stream hands back when it stops.
#[derive(Debug, Default)]
pub struct VideoOutcome {
    pub sent: Counts,
    pub received: Counts,
    pub frames_decoded: u64,
    pub last_frame: Option<I420Frame>,
    /// SPS, PPS and picture size of the first keyframe decoded, for the recording's track.
    pub parameters: Option<Parameters>,
    /// Access units from the first decodable keyframe on (only with --record).
    pub recorded: Vec<RecordedAu>,
    pub idr_sent: u64,
    pub intra_requests_sent: u64,
    pub intra_requests_received: u64,
    /// Access units the depacketizer threw away: incomplete (loss) or undecodable until the
    /// next keyframe.
    pub pictures_dropped: u64,
    /// Times a loss stopped the decoding of a stream that had been decoding.
    pub interruptions: u64,
    /// Times decoding resumed at a keyframe after such an interruption.
    pub recoveries: u64,
}

/// The sending half: the pattern and its encoder.
struct Source {
    picture: I420Frame,
    encoder: H264Encoder,
    rtp: H264RtpSender,
    ts_offset: i64,
}

impl Source {
    fn new(color: Rgb, label: &str, ssrc: u32, payload_type: u8) -> Option<Source> {
        let picture = video::test_pattern(CIF.0, CIF.1, color, label).ok()?;
        let encoder = H264Encoder::new(EncoderSettings {
            width: CIF.0,
            height: CIF.1,
            bitrate_bps: BITRATE_BPS,
            fps: FPS as f32,
        })
        .map_err(|e| tracing::warn!(error = %e, "no H.264 encoder: sending no video"))
        .ok()?;
        Some(Source {
            picture,
            encoder,
            rtp: H264RtpSender::new(Packetizer::default(), ssrc, payload_type, ssrc as u16),
            ts_offset: i64::from(ssrc >> 3),
        })
    }
}

/// The receiving half: RTP payloads in playout order to pictures, the recording's access units
/// and the loss/recovery counts.
struct Receiver {
    depacketizer: Depacketizer,
    decoder: Option<H264Decoder>,
    keep_recording: bool,
    /// A loss stopped decoding and no keyframe has been decoded since.
    interrupted: bool,
    ts_ext: TimestampExtender,
    /// Extended RTP timestamp and engine milliseconds of the first recorded access unit.
    first_recorded: Option<(u64, u64)>,
}

impl Receiver {
    fn new(keep_recording: bool) -> Self {
        Receiver {
            depacketizer: Depacketizer::new(),
            decoder: H264Decoder::new()
                .map_err(
                    |e| tracing::warn!(error = %e, "no H.264 decoder: received video is counted only"),
                )
                .ok(),
            keep_recording,
            interrupted: false,
            ts_ext: TimestampExtender::new(),
            first_recorded: None,
        }
    }

    /// One packet (or a concealed one) from the jitter buffer; `now_ms` from the engine start.
    fn play(&mut self, played: Playout<Vec<u8>>, now_ms: u64, out: &mut VideoOutcome) {
        match played {
            Playout::Frame(f) => {
                let _ = self
                    .depacketizer
                    .push(f.sequence, f.timestamp, f.marker, &f.payload);
            }
            Playout::Conceal { sequence, .. } => self.depacketizer.lost(sequence),
        }
        // Checked per packet, not per playout tick: a loss and the keyframe that ends it can be
        // played out in the same tick, and the depacketizer hands out nothing from before a
        // loss once it has seen it.
        if out.frames_decoded > 0 && !self.interrupted && self.depacketizer.need_keyframe() {
            self.interrupted = true;
            out.interruptions += 1;
        }
        while let Some(au) = self.depacketizer.pop() {
            self.decode(au, now_ms, out);
        }
    }

    fn decode(&mut self, au: AccessUnit, now_ms: u64, out: &mut VideoOutcome) {
        let decoded = self.decoder.as_mut().map(|d| d.decode(&au.to_annex_b()));
        let picture = match decoded {
            Some(Ok(Some(p))) => Some(p),
            Some(Err(e)) => {
                tracing::debug!(error = %e, "undecodable access unit");
                None
            }
            _ => None,
        };
        if let Some(p) = picture {
            out.frames_decoded += 1;
            if au.keyframe && self.interrupted {
                self.interrupted = false;
                out.recoveries += 1;
            }
            if au.keyframe && out.parameters.is_none() {
                let find = |t| au.nals.iter().find(|n| h264::nal_type(n) == t).cloned();
                if let (Some(sps), Some(pps)) = (find(NAL_SPS), find(NAL_PPS)) {
                    out.parameters = Some((sps, pps, (p.width(), p.height())));
                }
            }
            out.last_frame = Some(p);
        }
        let ext = self.ts_ext.extend(au.timestamp);
        if self.keep_recording && out.parameters.is_some() {
            let (t0, ms0) = *self.first_recorded.get_or_insert((ext, now_ms));
            out.recorded.push(RecordedAu {
                ms: ms0 + ext.saturating_sub(t0) / 90,
                keyframe: au.keyframe,
                sample: mkv::avc_sample(&au.nals),
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    mut session: Session,
    color: Option<Rgb>,
    label: String,
    keep_recording: bool,
    intra: IntraPath,
    epoch: Instant,
    mut control: mpsc::UnboundedReceiver<Control>,
    mut stop: watch::Receiver<bool>,
) -> VideoOutcome {
    let mut out = VideoOutcome::default();
    let mut source: Option<Source> = None;
    let mut jitter: JitterBuffer<Vec<u8>> = JitterBuffer::new(JitterConfig::video_90k());
    let mut receiver = Receiver::new(keep_recording);
    let mut frame_tick = tokio::time::interval(Duration::from_secs(1) / FPS);
    frame_tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut playout = tokio::time::interval(Duration::from_millis(10));
    playout.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut report = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(5),
    );
    let mut last_request: Option<Instant> = None;
    let mut want_intra = false;
    let mut rtp_buf = vec![0u8; 2048];
    let mut rtcp_buf = vec![0u8; 2048];
    let (rtp, rtcp) = (session.sockets.rtp.clone(), session.sockets.rtcp.clone());
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            c = control.recv() => match c {
                Some(Control::Remote(r)) => {
                    session.remote = Some(r);
                    source = color.and_then(|c| Source::new(c, &label, session.ssrc, r.payload_type));
                }
                Some(Control::Intra) => {
                    out.intra_requests_received += 1;
                    if let Some(s) = &mut source { s.encoder.request_idr(); }
                }
                None => break,
            },
            r = rtp.recv_from(&mut rtp_buf) => {
                let Ok((n, _)) = r else { continue };
                let now = Instant::now();
                if let Ok(p) = RtpPacket::parse(&rtp_buf[..n]) {
                    session.on_rtp(now, &p);
                    jitter.push(now, Packet {
                        sequence: p.sequence,
                        timestamp: p.timestamp,
                        marker: p.marker,
                        payload: p.payload.to_vec(),
                    });
                }
            }
            r = rtcp.recv_from(&mut rtcp_buf) => {
                let Ok((n, _)) = r else { continue };
                for p in session.on_rtcp(Instant::now(), &rtcp_buf[..n]) {
                    let ours = match &p {
                        RtcpPacket::Pli(pli) => pli.media_ssrc == session.ssrc || pli.media_ssrc == 0,
                        RtcpPacket::Fir(fir) => fir.entries.iter().any(|e| e.ssrc == session.ssrc),
                        _ => false,
                    };
                    if ours {
                        out.intra_requests_received += 1;
                        if let Some(s) = &mut source { s.encoder.request_idr(); }
                    }
                }
            }
            _ = report.tick() => session.send_report(Instant::now()).await,
            _ = frame_tick.tick() => {
                let now = Instant::now();
                let Some(s) = &mut source else { continue };
                let encoded = match s.encoder.encode(&s.picture) {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(error = %e, "encoding failed");
                        continue;
                    }
                };
                if encoded.nals.is_empty() {
                    continue;
                }
                out.idr_sent += u64::from(encoded.keyframe);
                let ticks = ClockRate::VIDEO_90K.ticks_in(now.duration_since(epoch)) as i64;
                let time = RtpTime::new(s.ts_offset + ticks, ClockRate::VIDEO_90K);
                let ts = time.to_wire();
                for packet in s.rtp.send(&encoded.nals, time) {
                    session.send_rtp(now, &packet, ts, packet.len() - RTP_HEADER_LEN).await;
                }
            }
            _ = playout.tick() => {
                let now = Instant::now();
                while let Some(played) = jitter.pop(now) {
                    receiver.play(played, now.duration_since(epoch).as_millis() as u64, &mut out);
                }
                want_intra |= receiver.depacketizer.take_keyframe_request();
                let waiting = out.frames_decoded == 0 && session.received().packets > 0;
                let due = last_request.is_none_or(|t| now.duration_since(t) >= INTRA_REQUEST_INTERVAL);
                if (want_intra || waiting) && due {
                    want_intra = false;
                    last_request = Some(now);
                    out.intra_requests_sent += 1;
                    match &intra {
                        IntraPath::Rtcp => session.send_pli().await,
                        IntraPath::Signalled(tx) => { let _ = tx.send(Notice::NeedIntra); }
                    }
                }
            }
        }
    }
    session.send_bye(Instant::now()).await;
    let dropped = receiver.depacketizer.stats();
    out.pictures_dropped = dropped.dropped_incomplete + dropped.dropped_waiting;
    out.sent = session.sent();
    out.received = session.received();
    out
}
