//! The media peer engine behind `cascade endpoint` (an H.323 leg) and `cascade terminal` (a VN
//! leg): one task per RTP session (audio, video) that sends the test tone or pattern, receives,
//! decodes and measures what comes back, answers and makes intra requests, and sends RTCP.
//!
//! The owner binds the sockets, starts the [`Engine`], tells it where the far end receives
//! ([`Engine::set_audio_remote`], [`Engine::set_video_remote`]: at once on a VN leg, as logical
//! channels open on an H.323 leg), forwards intra requests that arrive by signalling
//! ([`Engine::request_idr`]) and, on an H.323 leg, turns [`Notice::NeedIntra`] into an H.245
//! fast update. [`Engine::stop`] sends BYE and hands back what each stream saw, which `report`
//! summarises and `record` writes to Matroska and PNG.

mod audio;
pub mod record;
pub mod report;
mod session;
mod video;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use media::rtp::ClockRate;
use media::video::Rgb;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use audio::AudioOutcome;
pub use session::{Remote, Sockets};
pub use video::VideoOutcome;

/// Media flags shared by `cascade endpoint` and `cascade terminal`.
#[derive(Debug, Clone, clap::Args)]
pub struct MediaArgs {
    /// Our name: the H.323 alias and display, the VN terminal name, and the pattern's label.
    #[arg(long, default_value = "cascade")]
    pub name: String,
    /// Send a G.711 sine of this frequency in Hz (silence without it).
    #[arg(long, value_name = "HZ", value_parser = parse_tone)]
    pub tone: Option<f64>,
    /// Send a CIF H.264 test pattern of this colour (a name such as red, or #RRGGBB) with the
    /// name on it (no video without it).
    #[arg(long, value_name = "NAME|#RRGGBB", value_parser = parse_color)]
    pub color: Option<Rgb>,
    /// Record what is received to this Matroska file (H.264 video, 16-bit PCM audio).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Write the last decoded picture to this PNG file.
    #[arg(long, value_name = "PNG")]
    pub snapshot: Option<PathBuf>,
    /// Hang up / leave after this many seconds (otherwise at Ctrl-C).
    #[arg(long, value_name = "S")]
    pub duration: Option<f64>,
    /// Print the final report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn parse_tone(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(f) if f > 0.0 && f < 4000.0 => Ok(f),
        _ => Err(format!(
            "{s:?} is not a tone frequency: give Hz between 0 and 4000 (G.711 samples at 8 kHz)"
        )),
    }
}

fn parse_color(s: &str) -> Result<Rgb, String> {
    Rgb::parse(s).map_err(|e| e.to_string())
}

/// Sleeps for `--duration`, or forever.
pub async fn duration_elapsed(args: &MediaArgs) {
    match args.duration {
        Some(s) if s.is_finite() && s >= 0.0 => {
            tokio::time::sleep(std::time::Duration::from_secs_f64(s)).await
        }
        _ => std::future::pending().await,
    }
}

/// Completes after `--duration` or at Ctrl-C, whichever comes first: when the command-line
/// peers stop.
pub async fn duration_or_ctrl_c(args: &MediaArgs) {
    tokio::select! {
        () = duration_elapsed(args) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

/// What the owner tells a stream task.
#[derive(Debug)]
enum Control {
    /// Where to send, with the payload type.
    Remote(Remote),
    /// Make the next picture an IDR.
    Intra,
}

/// What the engine asks of its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// We have no picture to decode from: ask the far end for an intra picture by signalling.
    NeedIntra,
}

/// How the engine asks for an intra picture.
#[derive(Debug)]
pub enum IntraPath {
    /// RTCP PLI on the video session (VN legs).
    Rtcp,
    /// A [`Notice`] to the owner, who sends H.245 videoFastUpdatePicture (H.323 legs).
    Signalled(mpsc::UnboundedSender<Notice>),
}

/// The running engine.
#[derive(Debug)]
pub struct Engine {
    audio: mpsc::UnboundedSender<Control>,
    video: mpsc::UnboundedSender<Control>,
    stop: watch::Sender<bool>,
    audio_task: JoinHandle<AudioOutcome>,
    video_task: JoinHandle<VideoOutcome>,
}

/// A seed that differs between runs and processes: SSRCs and first sequence numbers must be
/// random (RFC 3550 §5.1, §8), and a mirror must not see its own SSRC as someone else's.
fn seed() -> u64 {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    // SplitMix64 finaliser over time and pid.
    let mut z = t ^ (u64::from(std::process::id()) << 32);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Engine {
    /// Starts the audio and video tasks on these sockets; nothing is sent until a remote is set.
    pub fn start(args: &MediaArgs, audio: Sockets, video: Sockets, intra: IntraPath) -> Engine {
        let started = Instant::now();
        let s = seed();
        let cname = format!("{}@cascade", args.name);
        let (stop, stop_rx) = watch::channel(false);
        let (audio_tx, audio_rx) = mpsc::unbounded_channel();
        let (video_tx, video_rx) = mpsc::unbounded_channel();
        let audio_session = session::Session::new(
            audio,
            ClockRate::AUDIO_8K,
            s as u32,
            (s >> 32) as u16,
            &cname,
        );
        let video_session = session::Session::new(
            video,
            ClockRate::VIDEO_90K,
            (s >> 16) as u32 ^ 0x5a5a_0000,
            (s >> 48) as u16,
            &cname,
        );
        let audio_task = tokio::spawn(audio::run(
            audio_session,
            args.tone,
            args.record.is_some(),
            started,
            audio_rx,
            stop_rx.clone(),
        ));
        let video_task = tokio::spawn(video::run(
            video_session,
            args.color,
            args.name.clone(),
            args.record.is_some(),
            intra,
            started,
            video_rx,
            stop_rx,
        ));
        Engine {
            audio: audio_tx,
            video: video_tx,
            stop,
            audio_task,
            video_task,
        }
    }

    /// Where the far end receives audio.
    pub fn set_audio_remote(&self, remote: Remote) {
        let _ = self.audio.send(Control::Remote(remote));
    }

    /// Where the far end receives video.
    pub fn set_video_remote(&self, remote: Remote) {
        let _ = self.video.send(Control::Remote(remote));
    }

    /// The far end asked for an intra picture by signalling.
    pub fn request_idr(&self) {
        let _ = self.video.send(Control::Intra);
    }

    /// Stops both streams (each sends its last report and BYE) and returns what they saw.
    pub async fn stop(self) -> (AudioOutcome, VideoOutcome) {
        let _ = self.stop.send(true);
        let audio = self.audio_task.await.unwrap_or_default();
        let video = self.video_task.await.unwrap_or_default();
        (audio, video)
    }
}

/// The RTCP address for an RTP address: the next port (RFC 3550 §11).
pub fn rtcp_for(rtp: SocketAddr) -> SocketAddr {
    SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1))
}
