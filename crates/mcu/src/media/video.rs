//! Continuous-presence video through a room: each sending participant's H.264 (jitter buffer,
//! RFC 6184 depacketizer, OpenH264 decoder, latest picture), and the room's one encoder that
//! composes those pictures into the layout and encodes them once for every receiver.
//!
//! Sans-IO: packets and `now` come in; the room task sends what comes out. Decoders exist only
//! for participants that send video, and the room encodes only while someone receives.

use std::time::{Duration, Instant};

use media::h264::{Depacketizer, H264Payload, Packetizer};
use media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
use media::rtp::{ClockRate, RtpPacket};
use media::stats::ReceiverStats;
use media::video::{
    Compositor, EncoderSettings, H264Decoder, H264Encoder, I420Frame, Layout, Rgb, Yuv,
};

use super::rtp_out::RtpOut;
use crate::config::VideoConfig;
use crate::room::LayoutChoice;

/// Shortest time between two fast-update requests we send one participant (H.245 asks for
/// no flood of videoFastUpdatePicture; a keyframe takes a few hundred ms to arrive anyway).
pub const FAST_UPDATE_INTERVAL: Duration = Duration::from_secs(1);
/// How long after its video channel opened we wait for a first picture before asking for one.
pub const FIRST_PICTURE_WAIT: Duration = Duration::from_millis(500);
/// Shortest time between two IDRs the room encoder emits on request.
pub const IDR_INTERVAL: Duration = Duration::from_millis(500);
/// How often a room whose picture does not change still sends one, so that receivers (and
/// their RTCP statistics) see the stream alive.
pub const STATIC_REFRESH: Duration = Duration::from_secs(1);

/// A participant's incoming video.
#[derive(Debug)]
pub struct VideoIn {
    jitter: JitterBuffer<Vec<u8>>,
    depacketizer: Depacketizer,
    decoder: Option<H264Decoder>,
    /// The latest decoded picture.
    pub picture: Option<I420Frame>,
    /// Reception statistics of the current source.
    pub stats: Option<ReceiverStats>,
    /// Packets received.
    pub packets: u64,
    /// Payload bytes received.
    pub bytes: u64,
    /// Pictures decoded.
    pub decoded: u64,
    /// Fast-update requests sent.
    pub fast_updates: u64,
    /// The receive channel (for videoFastUpdatePicture) and when it opened.
    pub channel: Option<(u16, Instant)>,
    decode_failed: bool,
    last_request: Option<Instant>,
}

impl Default for VideoIn {
    fn default() -> Self {
        Self {
            jitter: JitterBuffer::new(JitterConfig::video_90k()),
            depacketizer: Depacketizer::new(),
            decoder: None,
            picture: None,
            stats: None,
            packets: 0,
            bytes: 0,
            decoded: 0,
            fast_updates: 0,
            channel: None,
            decode_failed: false,
            last_request: None,
        }
    }
}

impl VideoIn {
    /// Takes one RTP packet that arrived at `now`.
    pub fn on_rtp(&mut self, now: Instant, p: &RtpPacket<'_>) {
        self.packets += 1;
        self.bytes += p.payload.len() as u64;
        ReceiverStats::for_source(&mut self.stats, p.ssrc, ClockRate::VIDEO_90K).on_packet(
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
                payload: p.payload.to_vec(),
            },
        );
    }

    /// Plays out what is due, reassembles and decodes it; the newest picture stays.
    pub fn drain(&mut self, now: Instant) {
        while let Some(out) = self.jitter.pop(now) {
            match out {
                Playout::Frame(p) => {
                    // A malformed payload drops its access unit and raises a keyframe request.
                    let _ = self
                        .depacketizer
                        .push(p.sequence, p.timestamp, p.marker, &p.payload);
                }
                Playout::Conceal { sequence, .. } => self.depacketizer.lost(sequence),
            }
        }
        while let Some(au) = self.depacketizer.pop() {
            let decoder = match &mut self.decoder {
                Some(d) => d,
                None => match H264Decoder::new() {
                    Ok(d) => self.decoder.insert(d),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot create an H.264 decoder");
                        return;
                    }
                },
            };
            match decoder.decode(&au.to_annex_b()) {
                Ok(Some(pic)) => {
                    self.decoded += 1;
                    self.picture = Some(pic);
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "H.264 decode error; asking for a keyframe");
                    self.decode_failed = true;
                }
            }
        }
    }

    /// The channel to send videoFastUpdatePicture on, when this participant's picture is lost
    /// (the depacketizer needs a keyframe, the decoder failed, or no picture came yet since
    /// the channel opened) and the last request is old enough.
    pub fn fast_update_due(&mut self, now: Instant) -> Option<u16> {
        let (channel, opened) = self.channel?;
        // A channel that stays silent is asked a few times only: some endpoints open video and
        // send nothing until the camera starts.
        let waiting = self.picture.is_none()
            && now.saturating_duration_since(opened) >= FIRST_PICTURE_WAIT
            && (self.packets > 0 || self.fast_updates < 3);
        let lost = self.depacketizer.take_keyframe_request()
            || std::mem::take(&mut self.decode_failed)
            || waiting;
        let quiet = self
            .last_request
            .is_none_or(|t| now.saturating_duration_since(t) >= FAST_UPDATE_INTERVAL);
        if lost && quiet {
            self.last_request = Some(now);
            self.fast_updates += 1;
            Some(channel)
        } else {
            None
        }
    }

    /// Current interarrival jitter in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.stats
            .as_ref()
            .map_or(0.0, |s| s.jitter_duration().as_secs_f64() * 1000.0)
    }
}

/// One encoded room picture, packetized once for everyone.
#[derive(Debug)]
pub struct RoomPicture {
    /// RTP payloads in order (the last has the marker bit).
    pub payloads: Vec<H264Payload>,
    /// Room media time (90 kHz ticks since the room started).
    pub ts: u32,
    /// An IDR picture.
    pub keyframe: bool,
}

/// The room's compositor and encoder.
#[derive(Debug)]
pub struct RoomVideo {
    config: VideoConfig,
    compositor: Compositor,
    encoder: Option<H264Encoder>,
    packetizer: Packetizer,
    interval: Duration,
    next_frame: Option<Instant>,
    idr_wanted: bool,
    last_idr: Option<Instant>,
    choice: LayoutChoice,
    /// What the last encoded picture showed (see [`RoomVideo::encode`]) and when it was sent.
    last_scene: Option<(u64, Instant)>,
    /// Pictures encoded.
    pub frames: u64,
    /// IDR pictures among them.
    pub keyframes: u64,
}

/// The colour of empty tiles: dark grey, so a missing picture is visible as such.
const BACKGROUND: Rgb = Rgb::new(32, 32, 32);

impl RoomVideo {
    /// A room encoder with these settings (the OpenH264 encoder is made on first use).
    pub fn new(
        config: VideoConfig,
        choice: LayoutChoice,
    ) -> Result<Self, media::video::VideoError> {
        let (w, h) = config.resolution.size();
        let mut compositor = Compositor::new(w, h, Yuv::from_rgb(BACKGROUND))?;
        compositor.force_layout(choice.forced());
        Ok(Self {
            config,
            compositor,
            encoder: None,
            packetizer: Packetizer::default(),
            interval: Duration::from_secs_f32(1.0 / config.clamped_fps()),
            next_frame: None,
            idr_wanted: false,
            last_idr: None,
            choice,
            last_scene: None,
            frames: 0,
            keyframes: 0,
        })
    }

    /// The settings.
    pub fn config(&self) -> VideoConfig {
        self.config
    }

    /// The operator's layout setting.
    pub fn layout_choice(&self) -> LayoutChoice {
        self.choice
    }

    /// Changes the layout setting; the next picture uses it.
    pub fn set_layout(&mut self, choice: LayoutChoice) {
        self.choice = choice;
        self.last_scene = None;
        self.compositor.force_layout(choice.forced());
    }

    /// The layout for `n` participants.
    pub fn layout_for(&self, n: usize) -> Layout {
        self.compositor.layout_for(n)
    }

    /// Asks for an IDR: emitted with the next picture, or once [`IDR_INTERVAL`] has passed since
    /// the last one.
    pub fn request_idr(&mut self) {
        self.idr_wanted = true;
    }

    /// Whether a picture is due at `now`.
    pub fn due(&self, now: Instant) -> bool {
        self.next_frame.is_none_or(|t| now >= t)
    }

    /// Composes `pictures` (tile order) and encodes them if a picture is due at `now`; `ts` is
    /// the room media time in 90 kHz ticks. `scene` identifies what the pictures show (it
    /// changes when any of them is a new decoded picture, or the tiles change): a picture that
    /// would show what the last one showed is sent only every [`STATIC_REFRESH`], unless an
    /// IDR is wanted. `None`: not due, unchanged, or rate control skipped it.
    pub fn encode(
        &mut self,
        now: Instant,
        ts: u32,
        pictures: &[Option<&I420Frame>],
        scene: u64,
    ) -> Option<RoomPicture> {
        if !self.due(now) {
            return None;
        }
        // Keep the cadence without drifting; after a stall start again from now.
        let mut next = self.next_frame.unwrap_or(now) + self.interval;
        if next <= now {
            // Fell behind (a stall, or the first picture): start the cadence from now.
            next = now + self.interval;
        }
        self.next_frame = Some(next);
        // A still room (nobody sends video, or the pictures stopped) would otherwise cost a
        // full encode 30 times a second for P-frames that change nothing; receivers keep
        // showing the last picture, and RTP timestamps carry the real spacing.
        if !self.idr_wanted
            && self.encoder.is_some()
            && self.last_scene.is_some_and(|(last, at)| {
                last == scene && now.saturating_duration_since(at) < STATIC_REFRESH
            })
        {
            return None;
        }
        self.last_scene = Some((scene, now));
        let encoder = match &mut self.encoder {
            Some(e) => e,
            None => {
                let (width, height) = self.config.resolution.size();
                let settings = EncoderSettings {
                    width,
                    height,
                    bitrate_bps: self.config.bitrate,
                    fps: self.config.clamped_fps(),
                };
                match H264Encoder::new(settings) {
                    Ok(e) => self.encoder.insert(e),
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot create the room's H.264 encoder");
                        return None;
                    }
                }
            }
        };
        if self.idr_wanted
            && self
                .last_idr
                .is_none_or(|t| now.saturating_duration_since(t) >= IDR_INTERVAL)
        {
            encoder.request_idr();
            self.idr_wanted = false;
        }
        let frame = self.compositor.compose(pictures);
        let encoded = match encoder.encode(frame) {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "room picture encoding failed");
                return None;
            }
        };
        if encoded.nals.is_empty() {
            return None;
        }
        self.frames += 1;
        if encoded.keyframe {
            self.keyframes += 1;
            self.last_idr = Some(now);
        }
        Some(RoomPicture {
            payloads: self.packetizer.packetize(&encoded.nals),
            ts,
            keyframe: encoded.keyframe,
        })
    }

    /// Nobody receives video: stop encoding, and start the next receiver with an IDR. The
    /// encoder is kept (making one costs more than a dozen encodes); it goes with the room.
    pub fn idle(&mut self) {
        self.next_frame = None;
        self.last_scene = None;
        self.idr_wanted = true;
    }
}

/// A participant's outgoing video stream (the room picture with its payload type).
pub type VideoOut = RtpOut;

#[cfg(test)]
mod tests {
    use super::*;
    use media::video::{test_pattern, CIF};

    /// Encodes `pic` as a new picture (a scene of its own) at `now`.
    fn encode_at(v: &mut RoomVideo, now: Instant, pic: &I420Frame) -> Option<bool> {
        static SCENE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let scene = SCENE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        v.encode(now, 0, &[Some(pic)], scene).map(|p| p.keyframe)
    }

    #[test]
    fn a_still_room_sends_a_picture_per_second_until_something_changes() {
        let pic = test_pattern(CIF.0, CIF.1, Rgb::new(30, 30, 200), "B").unwrap();
        let mut v = RoomVideo::new(VideoConfig::default(), LayoutChoice::Auto).unwrap();
        let t0 = Instant::now();
        let frame = Duration::from_millis(67);
        let sent_at = |v: &mut RoomVideo, from: u32, to: u32, scene: u64| -> Vec<u32> {
            (from..to)
                .filter(|i| v.encode(t0 + frame * *i, 0, &[Some(&pic)], scene).is_some())
                .collect()
        };
        // Same scene for 2.5 s: the first picture, then one per STATIC_REFRESH (15 frames).
        assert_eq!(sent_at(&mut v, 0, 37, 7), [0, 15, 30]);
        // A new picture goes out at once, and every frame while pictures keep changing.
        assert_eq!(sent_at(&mut v, 37, 38, 8), [37]);
        assert_eq!(
            (38..41)
                .filter(|i| v
                    .encode(t0 + frame * *i, 0, &[Some(&pic)], u64::from(*i))
                    .is_some())
                .count(),
            3
        );
        // An IDR request is served even when nothing changed.
        v.request_idr();
        let later = t0 + frame * 50;
        let p = v.encode(later, 0, &[Some(&pic)], 40).expect("IDR sent");
        assert!(p.keyframe);
        // A layout change is a change.
        v.set_layout(LayoutChoice::Grid2x2);
        assert!(v.encode(later + frame, 0, &[Some(&pic)], 40).is_some());
    }

    #[test]
    fn idr_requests_are_rate_limited_not_lost() {
        let pic = test_pattern(CIF.0, CIF.1, Rgb::new(200, 30, 30), "A").unwrap();
        let mut v = RoomVideo::new(VideoConfig::default(), LayoutChoice::Auto).unwrap();
        let t0 = Instant::now();
        let frame = Duration::from_millis(67);
        assert_eq!(
            encode_at(&mut v, t0, &pic),
            Some(true),
            "a new encoder starts with IDR"
        );
        assert!(
            !v.due(t0 + Duration::from_millis(20)),
            "15 fps: not due 20 ms later"
        );
        v.request_idr();
        // Within 500 ms of the last IDR the request waits...
        let mut t = t0;
        let mut kinds = Vec::new();
        for _ in 0..10 {
            t += frame;
            if let Some(k) = encode_at(&mut v, t, &pic) {
                kinds.push((t.duration_since(t0), k));
            }
        }
        let first_idr = kinds
            .iter()
            .find(|(_, k)| *k)
            .expect("the request is served");
        assert!(first_idr.0 >= IDR_INTERVAL, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|(_, k)| *k).count(), 1, "{kinds:?}");
    }

    #[test]
    fn forced_layout_overrides_the_count() {
        let mut v = RoomVideo::new(VideoConfig::default(), LayoutChoice::Auto).unwrap();
        assert_eq!(v.layout_for(2), Layout::OnePlusOne);
        v.set_layout(LayoutChoice::Grid3x3);
        assert_eq!(v.layout_for(2), Layout::Grid3x3);
        v.set_layout(LayoutChoice::Auto);
        assert_eq!(v.layout_for(5), Layout::Grid3x3);
    }
}
