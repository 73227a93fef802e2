//! The rooms' media engine: the tokio glue between the participants' `MediaSockets` and the
//! sans-IO media core (`crates/media`).
//!
//! One task per room with participants owns everything about the room's media (no locks on the
//! hot path): every 20 ms it plays out each participant's audio, mixes N−1 and sends each
//! participant its mix in the law of its channel; at the room's frame rate it composes the
//! latest decoded picture of every participant into the layout, encodes it once and sends it to
//! every participant with a video transmit channel. Four small tasks per participant read its
//! sockets and pass datagrams to the room task. The room task ends 10 s after its last
//! participant left (calls that come and go keep the room's encoder). A room whose composite
//! does not change (nobody sends video) sends one picture a second instead of its frame rate.
//!
//! ```text
//! call task ──H.245 events──▶ ParticipantMedia ──Control──▶ room task ──RTP/RTCP──▶ sockets
//! sockets ──reader tasks──▶ Inbound ─────────────────────────▶ room task
//! room task ──Command::FastUpdate(channel)──▶ call task (picture lost)
//! room task ──watch──▶ RoomMediaView (admin API)
//! ```
//!
//! `audio` and `video` hold the per-participant and per-room state machines, `rtp_out` one
//! outgoing stream, `room_task` the task and its RTCP.

pub mod audio;
pub mod room_task;
pub mod rtp_out;
pub mod video;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use h323::call::Event;
use h323::h245::session::{Direction, H245Event, MediaChannel};
use h323_tokio::{Command, MediaSockets};
use serde::Serialize;
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::VideoConfig;
use crate::registry::ParticipantId;
use crate::room::LayoutChoice;

/// Datagrams waiting for the room task; beyond this the readers drop (the room is overloaded
/// and late media is worthless anyway).
const INBOUND_QUEUE: usize = 4096;

/// Which of a participant's four sockets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Port {
    /// Audio RTP.
    AudioRtp,
    /// Audio RTCP.
    AudioRtcp,
    /// Video RTP.
    VideoRtp,
    /// Video RTCP.
    VideoRtcp,
}

/// A datagram a participant sent us.
#[derive(Debug)]
pub struct Inbound {
    /// From whom.
    pub id: ParticipantId,
    /// On which socket.
    pub port: Port,
    /// When it arrived.
    pub at: Instant,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A participant's sockets, shared by its reader tasks and the room task (which sends from
/// them: symmetric RTP).
#[derive(Debug)]
pub struct Sockets {
    /// Audio RTP.
    pub audio_rtp: UdpSocket,
    /// Audio RTCP.
    pub audio_rtcp: UdpSocket,
    /// Video RTP.
    pub video_rtp: UdpSocket,
    /// Video RTCP.
    pub video_rtcp: UdpSocket,
}

impl From<MediaSockets> for Sockets {
    fn from(m: MediaSockets) -> Self {
        Self {
            audio_rtp: m.audio_rtp,
            audio_rtcp: m.audio_rtcp,
            video_rtp: m.video_rtp,
            video_rtcp: m.video_rtcp,
        }
    }
}

impl Sockets {
    fn get(&self, port: Port) -> &UdpSocket {
        match port {
            Port::AudioRtp => &self.audio_rtp,
            Port::AudioRtcp => &self.audio_rtcp,
            Port::VideoRtp => &self.video_rtp,
            Port::VideoRtcp => &self.video_rtcp,
        }
    }
}

/// What the room task is told.
#[derive(Debug)]
pub enum Control {
    /// A participant's media starts.
    Join {
        /// Who.
        id: ParticipantId,
        /// Its sockets.
        sockets: Arc<Sockets>,
        /// Its call's command sender (for videoFastUpdatePicture).
        commands: mpsc::UnboundedSender<Command>,
    },
    /// It left.
    Leave(ParticipantId),
    /// One of its logical channels opened.
    ChannelOpened(ParticipantId, MediaChannel),
    /// One closed.
    ChannelClosed(ParticipantId, u16, Direction),
    /// It asked for an intra picture (H.245 videoFastUpdatePicture).
    FastUpdate(ParticipantId),
    /// The operator changed the layout.
    Layout(LayoutChoice),
}

/// Figures of one media stream, both ways.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StreamFigures {
    /// RTP packets received from the participant.
    pub packets_in: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
    /// RTP packets sent to it.
    pub packets_out: u64,
    /// Payload bytes sent.
    pub bytes_out: u64,
    /// Packets lost on the way in (RFC 3550 cumulative, negative with duplicates).
    pub lost: i64,
    /// Interarrival jitter of what we receive (RFC 3550 A.8), milliseconds.
    pub jitter_ms: f64,
    /// The participant's SSRC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssrc_in: Option<u32>,
    /// Our SSRC towards it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssrc_out: Option<u32>,
    /// Payload type we send with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_type_out: Option<u8>,
}

// Jitter is computed from integer counters and never NaN, so equality is total.
impl Eq for StreamFigures {}

/// One participant's media figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ParticipantFigures {
    /// G.711.
    pub audio: StreamFigures,
    /// H.264.
    pub video: StreamFigures,
    /// Pictures decoded from its video.
    pub pictures_decoded: u64,
    /// videoFastUpdatePicture requests we sent it.
    pub fast_updates_sent: u64,
    /// videoFastUpdatePicture requests it sent us (each makes the next room picture an IDR,
    /// at most one per 500 ms).
    pub fast_updates_received: u64,
    /// RTCP PLI/FIR packets it sent us about our video (same effect).
    pub pli_fir_received: u64,
}

/// The room encoder's settings and counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EncoderView {
    /// Picture width.
    pub width: usize,
    /// Picture height.
    pub height: usize,
    /// Frames per second.
    pub fps: f32,
    /// Target bit/s.
    pub bitrate: u32,
    /// Pictures encoded.
    pub frames: u64,
    /// IDR pictures among them.
    pub keyframes: u64,
    /// Whether it runs (someone receives video).
    pub active: bool,
}

/// A room's media as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomMediaView {
    /// The layout setting (`auto`, `1`, `1+1`, `2x2`, `3x3`).
    pub layout_setting: LayoutChoice,
    /// The layout in use now.
    pub layout: &'static str,
    /// The encoder.
    pub encoder: EncoderView,
    /// Per participant, by id.
    pub participants: BTreeMap<ParticipantId, ParticipantFigures>,
}

// The encoder's fps comes from a validated config value and is never NaN.
impl Eq for RoomMediaView {}

impl RoomMediaView {
    /// The view of a room without media running.
    pub fn idle(config: VideoConfig, choice: LayoutChoice) -> Self {
        let (width, height) = config.resolution.size();
        Self {
            layout_setting: choice,
            layout: layout_name(
                choice
                    .forced()
                    .unwrap_or(media::video::Layout::for_participants(0)),
            ),
            encoder: EncoderView {
                width,
                height,
                fps: config.clamped_fps(),
                bitrate: config.bitrate,
                frames: 0,
                keyframes: 0,
                active: false,
            },
            participants: BTreeMap::new(),
        }
    }
}

/// The API name of a layout.
pub fn layout_name(l: media::video::Layout) -> &'static str {
    use media::video::Layout;
    match l {
        Layout::Single => "1",
        Layout::OnePlusOne => "1+1",
        Layout::Grid2x2 => "2x2",
        Layout::Grid3x3 => "3x3",
    }
}

#[derive(Debug, Clone)]
struct RoomHandle {
    control: mpsc::UnboundedSender<Control>,
    inbound: mpsc::Sender<Inbound>,
    view: watch::Receiver<RoomMediaView>,
}

#[derive(Debug)]
struct EngineInner {
    video: Mutex<VideoConfig>,
    rooms: Mutex<HashMap<String, RoomHandle>>,
}

/// All rooms' media. Clones share state.
#[derive(Debug, Clone)]
pub struct MediaEngine {
    inner: Arc<EngineInner>,
}

impl Default for MediaEngine {
    fn default() -> Self {
        Self::new(VideoConfig::default())
    }
}

impl MediaEngine {
    /// An engine whose rooms encode with `video`.
    pub fn new(video: VideoConfig) -> Self {
        Self {
            inner: Arc::new(EngineInner {
                video: Mutex::new(video),
                rooms: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn rooms(&self) -> MutexGuard<'_, HashMap<String, RoomHandle>> {
        // The map stays consistent whatever panicked while holding it.
        self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The encoder settings for rooms started from now on.
    pub fn set_video(&self, video: VideoConfig) {
        *self.inner.video.lock().unwrap_or_else(|e| e.into_inner()) = video;
    }

    /// The encoder settings.
    pub fn video(&self) -> VideoConfig {
        *self.inner.video.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts participant `id`'s media in `room` (starting the room's task if it has none),
    /// reading and sending on `sockets`; `commands` is its call's command sender.
    pub fn join(
        &self,
        room: &str,
        layout: LayoutChoice,
        id: ParticipantId,
        sockets: MediaSockets,
        commands: mpsc::UnboundedSender<Command>,
    ) -> ParticipantMedia {
        let sockets = Arc::new(Sockets::from(sockets));
        let handle = {
            let mut rooms = self.rooms();
            let live = rooms.get(room).filter(|h| !h.control.is_closed()).cloned();
            let handle = live.unwrap_or_else(|| {
                let h = room_task::spawn(self.clone(), room.to_owned(), self.video(), layout);
                rooms.insert(room.to_owned(), h.clone());
                h
            });
            // Sent under the map lock: the room task decides to stop under it too, so it
            // either sees this Join or is already gone from the map.
            let _ = handle.control.send(Control::Join {
                id,
                sockets: sockets.clone(),
                commands,
            });
            handle
        };
        let readers = [
            Port::AudioRtp,
            Port::AudioRtcp,
            Port::VideoRtp,
            Port::VideoRtcp,
        ]
        .into_iter()
        .map(|port| tokio::spawn(read(id, port, sockets.clone(), handle.inbound.clone())))
        .collect();
        ParticipantMedia {
            id,
            control: handle.control,
            readers,
        }
    }

    /// Applies a layout change to the room's running media, if any.
    pub fn set_layout(&self, room: &str, layout: LayoutChoice) {
        if let Some(h) = self.rooms().get(room) {
            let _ = h.control.send(Control::Layout(layout));
        }
    }

    /// The room's media figures, `None` when it has no media running.
    pub fn view(&self, room: &str) -> Option<RoomMediaView> {
        self.rooms().get(room).map(|h| h.view.borrow().clone())
    }
}

async fn read(
    id: ParticipantId,
    port: Port,
    sockets: Arc<Sockets>,
    inbound: mpsc::Sender<Inbound>,
) {
    let mut buf = vec![0u8; 2048];
    loop {
        match sockets.get(port).recv_from(&mut buf).await {
            Ok((n, _from)) => {
                let d = Inbound {
                    id,
                    port,
                    at: Instant::now(),
                    bytes: buf[..n].to_vec(),
                };
                if let Err(mpsc::error::TrySendError::Closed(_)) = inbound.try_send(d) {
                    return;
                }
            }
            // ICMP port unreachable surfaces as an error on some systems: keep reading.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => {
                tracing::debug!(error = %e, id, "media socket read failed");
                return;
            }
        }
    }
}

/// A participant's media in its room, held by its call task. Dropping it stops the media.
#[derive(Debug)]
pub struct ParticipantMedia {
    id: ParticipantId,
    control: mpsc::UnboundedSender<Control>,
    readers: Vec<JoinHandle<()>>,
}

impl ParticipantMedia {
    /// Passes on what the call's H.245 says about media: channels opening and closing, fast
    /// update requests. Other events are ignored.
    pub fn on_h245(&self, e: &H245Event) {
        let c = match e {
            H245Event::ChannelOpened(ch) => Control::ChannelOpened(self.id, ch.clone()),
            H245Event::ChannelClosed { number, direction } => {
                Control::ChannelClosed(self.id, *number, *direction)
            }
            H245Event::FastUpdateRequested { .. } => Control::FastUpdate(self.id),
            _ => return,
        };
        let _ = self.control.send(c);
    }
}

impl ParticipantMedia {
    /// Notes what a call event says about media ([`ParticipantMedia::on_h245`]) and gives the
    /// event back, so a call task's event loop can pass every event through on its way.
    pub fn note(&self, e: Option<Event>) -> Option<Event> {
        if let Some(Event::H245(h)) = &e {
            self.on_h245(h);
        }
        e
    }
}

/// A caller's media before it is in its room's media (a room with a PIN, while the caller keys
/// it): the sockets stay bound, since their addresses were already signalled, but nothing reads
/// or sends on them, so the caller hears and sees nothing of the room and is not mixed in. The
/// channels that open meanwhile are remembered for [`HeldMedia::release`].
#[derive(Debug)]
pub struct HeldMedia {
    sockets: MediaSockets,
    channels: Vec<H245Event>,
}

impl HeldMedia {
    /// Holds `sockets`.
    pub fn new(sockets: MediaSockets) -> Self {
        Self {
            sockets,
            channels: Vec::new(),
        }
    }

    /// Remembers what a call event says about the channels and gives the event back, like
    /// [`ParticipantMedia::note`]. Fast update requests are not kept: the room's encoder sends
    /// an intra picture to whoever joins anyway.
    pub fn note(&mut self, e: Option<Event>) -> Option<Event> {
        if let Some(Event::H245(
            h @ (H245Event::ChannelOpened(_) | H245Event::ChannelClosed { .. }),
        )) = &e
        {
            self.channels.push(h.clone());
        }
        e
    }

    /// The sockets, emptied of what the caller sent while held (stale media that would
    /// otherwise reach the mix in a burst), and the channel events to replay into
    /// [`ParticipantMedia::on_h245`] once it joined.
    pub fn release(self) -> (MediaSockets, Vec<H245Event>) {
        let s = &self.sockets;
        let mut buf = [0u8; 2048];
        for socket in [&s.audio_rtp, &s.audio_rtcp, &s.video_rtp, &s.video_rtcp] {
            // Bounded: a busy sender cannot keep the call task here.
            for _ in 0..4096 {
                if socket.try_recv_from(&mut buf).is_err() {
                    break;
                }
            }
        }
        (self.sockets, self.channels)
    }
}

impl Drop for ParticipantMedia {
    fn drop(&mut self) {
        for r in &self.readers {
            r.abort();
        }
        let _ = self.control.send(Control::Leave(self.id));
    }
}

/// Where a channel's RTCP goes: the address it gave, else RTP port + 1 (RFC 3550 §11).
pub fn rtcp_of(ch: &MediaChannel, rtp: SocketAddr) -> SocketAddr {
    ch.remote_rtcp
        .unwrap_or_else(|| SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1)))
}
