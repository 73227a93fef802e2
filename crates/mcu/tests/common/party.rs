//! Test participants for the media tests: a real MCU with H.323 signalling on 127.0.0.1, and
//! callers built from `h323_tokio::dial` + `MediaSockets` that send a G.711 tone and an H.264
//! colour test pattern and record every datagram the MCU sends them. Also the oracles: ffmpeg
//! (G.711 and H.264 decoding) and tshark, and a minimal pcap writer to hand tshark what was
//! received (a copy of `crates/media/tests/support`'s, which mcu's tests cannot reach).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::Command as Process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use h323::call::{Alias, CallConfig, CallTimers, Dial, EndpointKind, Event};
use h323::h245::capabilities::{Codec, MediaCapabilities};
use h323::h245::session::{Direction, H245Config, H245Event, H245Timers, MediaChannel};
use h323_tokio::{Command, MediaSockets};
use mcu::{Config, Server};
use media::g711::Law;
use media::h264::{Depacketizer, H264RtpSender, Packetizer};
use media::rtp::{ClockRate, RtpPacket, RtpTime};
use media::tone::Tone;
use media::video::{test_pattern, EncoderSettings, H264Encoder, Rgb, CIF};
use service::shutdown::Shutdown;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::Running;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A running MCU with H.323 signalling, and its call-signalling address.
pub async fn start_h323(config: Config) -> (Running, SocketAddr) {
    let server = Server::bind(config).await.unwrap();
    let addr = server.http_addr();
    let h323 = server.h323_addr();
    let rooms = server.rooms().clone();
    let shutdown = Shutdown::new();
    let signalling = mcu::h323::H323Signalling::default();
    let task = tokio::spawn(server.serve(signalling, shutdown.clone()));
    (
        Running {
            addr,
            rooms,
            shutdown,
            task,
            http: reqwest::Client::new(),
        },
        h323,
    )
}

/// One received datagram.
#[derive(Debug, Clone)]
pub struct Got {
    /// When it arrived.
    pub at: Instant,
    /// Who sent it.
    pub from: SocketAddr,
    /// Where it arrived (our socket).
    pub to: SocketAddr,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Everything the MCU sent a party.
#[derive(Debug, Default)]
pub struct Received {
    /// On the audio RTP socket.
    pub audio: Vec<Got>,
    /// On the video RTP socket.
    pub video: Vec<Got>,
}

/// A test participant.
pub struct Party {
    /// Its call's commands.
    pub commands: mpsc::UnboundedSender<Command>,
    /// The channels of the call, as our side sees them.
    pub channels: Vec<MediaChannel>,
    /// What arrived.
    pub received: Arc<Mutex<Received>>,
    /// How many videoFastUpdatePicture the MCU sent us.
    pub fast_updates_from_mcu: Arc<Mutex<u32>>,
    /// The label the MCU gave us with terminalNumberAssign (MCU, terminal), if it did.
    pub terminal_number: Arc<Mutex<Option<(u8, u8)>>>,
    /// The Q.850 cause the call was released with, once it was.
    pub released: Arc<Mutex<Option<u8>>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Party {
    /// Our channel `direction` of audio or video.
    pub fn channel(&self, direction: Direction, video: bool) -> &MediaChannel {
        self.channels
            .iter()
            .find(|c| c.direction == direction && matches!(c.codec, Codec::Video(_)) == video)
            .expect("channel open")
    }

    /// A copy of what arrived so far.
    pub fn audio(&self) -> Vec<Got> {
        self.received.lock().unwrap().audio.clone()
    }

    /// A copy of the video datagrams so far.
    pub fn video(&self) -> Vec<Got> {
        self.received.lock().unwrap().video.clone()
    }

    /// The Q.850 cause of the call's release, waiting up to `limit` for it; `None` if the call
    /// is still up then.
    pub async fn released_within(&self, limit: Duration) -> Option<u8> {
        wait_for(limit, || self.released.lock().unwrap().is_some()).await;
        *self.released.lock().unwrap()
    }

    /// Hangs up and stops sending.
    pub async fn leave(self) {
        let _ = self
            .commands
            .send(Command::Hangup(h323::q931::CauseValue::NormalCallClearing));
        tokio::time::sleep(Duration::from_millis(100)).await;
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Drop for Party {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A terminal's call configuration, named `name`, with fast connect and H.245 tunnelling, its
/// media on `media`.
pub fn terminal_config(name: &str, media: &MediaSockets) -> CallConfig {
    CallConfig {
        kind: EndpointKind::Terminal,
        aliases: vec![Alias::H323Id(name.into())],
        display: Some(name.into()),
        signalling_address: None,
        h245: H245Config {
            terminal_type: 50,
            capabilities: MediaCapabilities::cascade_default(),
            media: media.local_media().unwrap(),
            timers: H245Timers::default(),
            open_channels: true,
        },
        fast_start: true,
        tunnelling: true,
        h245_listener: None,
        timers: CallTimers::default(),
    }
}

/// Calls `room` at `h323` as `name`, sending a `tone_hz` G.711 tone and, if `colour` is given,
/// a CIF H.264 test pattern of that colour at 15 fps. Returns once the call is connected with
/// all four channels open.
pub async fn join(
    h323: SocketAddr,
    room: &str,
    name: &str,
    tone_hz: f64,
    colour: Option<Rgb>,
    seed: u64,
) -> Party {
    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let config = terminal_config(name, &media);
    let dial = Dial {
        destination: vec![Alias::DialedDigits(room.into())],
        called_number: Some(room.into()),
        address: h323,
    };
    let mut task = h323_tokio::dial(config, dial, seed).await.unwrap();
    let mut channels = Vec::new();
    let mut connected = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(connected && channels.len() >= 4) {
        let e = tokio::time::timeout_at(deadline, task.events.recv())
            .await
            .expect("call connects with 4 channels in 10 s")
            .expect("call alive");
        match e {
            Event::Connected => connected = true,
            Event::H245(H245Event::ChannelOpened(ch)) => channels.push(ch),
            Event::Released(r) => panic!("{name}: released {r:?}"),
            _ => {}
        }
    }
    let media = Arc::new(media);
    let received = Arc::new(Mutex::new(Received::default()));
    let fast_updates = Arc::new(Mutex::new(0));
    let idr = Arc::new(AtomicBool::new(false));
    let terminal_number = Arc::new(Mutex::new(None));
    let released = Arc::new(Mutex::new(None));
    let mut tasks = Vec::new();
    {
        let (fast_updates, idr) = (fast_updates.clone(), idr.clone());
        let (terminal_number, released) = (terminal_number.clone(), released.clone());
        let mut events = task.events;
        tasks.push(tokio::spawn(async move {
            while let Some(e) = events.recv().await {
                match e {
                    Event::H245(H245Event::FastUpdateRequested { .. }) => {
                        *fast_updates.lock().unwrap() += 1;
                        idr.store(true, Ordering::SeqCst);
                    }
                    Event::H245(H245Event::TerminalNumberAssigned { mcu, terminal }) => {
                        *terminal_number.lock().unwrap() = Some((mcu, terminal));
                    }
                    Event::Released(r) => *released.lock().unwrap() = Some(r.cause.code()),
                    _ => {}
                }
            }
        }));
    }
    for video in [false, true] {
        let (media, received) = (media.clone(), received.clone());
        tasks.push(tokio::spawn(async move {
            let sock = if video {
                &media.video_rtp
            } else {
                &media.audio_rtp
            };
            let to = sock.local_addr().unwrap();
            let mut buf = vec![0u8; 2048];
            while let Ok((n, from)) = sock.recv_from(&mut buf).await {
                let got = Got {
                    at: Instant::now(),
                    from,
                    to,
                    bytes: buf[..n].to_vec(),
                };
                let mut r = received.lock().unwrap();
                if video {
                    r.video.push(got);
                } else {
                    r.audio.push(got);
                }
            }
        }));
    }
    let find = |video: bool| {
        channels
            .iter()
            .find(|c| {
                c.direction == Direction::Transmit && matches!(c.codec, Codec::Video(_)) == video
            })
            .cloned()
    };
    let audio_tx = find(false).expect("audio transmit channel");
    {
        let media = media.clone();
        let law = Law::from_payload_type(audio_tx.codec.payload_type()).unwrap();
        let dest = audio_tx.rtp.unwrap();
        tasks.push(tokio::spawn(async move {
            let mut tone = Tone::new(tone_hz, 8000, 8000);
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let (mut seq, mut ts) = (seed as u16, (seed as u32).wrapping_mul(7));
            let ssrc = 0x1000_0000 ^ seed as u32;
            let mut pcm = [0i16; 160];
            let mut g711 = [0u8; 160];
            loop {
                tick.tick().await;
                tone.fill(&mut pcm);
                law.encode(&pcm, &mut g711);
                let mut p = RtpPacket::new(law.payload_type(), seq, ts, ssrc);
                p.payload = &g711;
                let _ = media.audio_rtp.send_to(&p.to_vec().unwrap(), dest).await;
                seq = seq.wrapping_add(1);
                ts = ts.wrapping_add(160);
            }
        }));
    }
    if let (Some(colour), Some(video_tx)) = (colour, find(true)) {
        let media = media.clone();
        let dest = video_tx.rtp.unwrap();
        let pt = video_tx.codec.payload_type();
        let label = name.to_uppercase();
        tasks.push(tokio::spawn(async move {
            let picture = test_pattern(CIF.0, CIF.1, colour, &label).unwrap();
            let mut enc = H264Encoder::new(EncoderSettings {
                fps: 15.0,
                ..EncoderSettings::default()
            })
            .unwrap();
            let mut sender = H264RtpSender::new(
                Packetizer::default(),
                0x2000_0000 ^ seed as u32,
                pt,
                seed as u16,
            );
            let start = Instant::now();
            let mut tick = tokio::time::interval(Duration::from_millis(66));
            loop {
                tick.tick().await;
                if idr.swap(false, Ordering::SeqCst) {
                    enc.request_idr();
                }
                let frame = enc.encode(&picture).unwrap();
                let time = RtpTime::from_duration(start.elapsed(), ClockRate::VIDEO_90K);
                for p in sender.send(&frame.nals, time) {
                    let _ = media.video_rtp.send_to(&p, dest).await;
                }
            }
        }));
    }
    Party {
        commands: task.commands,
        channels,
        received,
        fast_updates_from_mcu: fast_updates,
        terminal_number,
        released,
        tasks,
    }
}

/// The G.711 payloads of RTP packets in `got` (in arrival order), with their payload type.
pub fn g711_payloads(got: &[Got]) -> (Vec<u8>, Option<u8>) {
    let mut out = Vec::new();
    let mut pt = None;
    for g in got {
        if let Ok(p) = RtpPacket::parse(&g.bytes) {
            pt = Some(p.payload_type);
            out.extend_from_slice(p.payload);
        }
    }
    (out, pt)
}

/// Whether ffmpeg runs. Missing is a SKIP locally and a failure under CI.
pub fn have_ffmpeg(test: &str) -> bool {
    let ok = Process::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "{test}: ffmpeg is required under CI"
        );
        println!("SKIP: {test}: ffmpeg not installed");
    }
    ok
}

/// Whether tshark runs. Missing is a SKIP locally and a failure under CI.
pub fn have_tshark(test: &str) -> bool {
    let ok = Process::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none_or(|v| v.is_empty()),
            "{test}: tshark is required under CI"
        );
        println!("SKIP: {test}: tshark not installed");
    }
    ok
}

/// Decodes G.711 (`mulaw` or `alaw`) with ffmpeg into 16-bit samples.
pub fn ffmpeg_g711(dir: &Path, law: Law, bytes: &[u8]) -> Vec<i16> {
    let input = dir.join("audio.g711");
    std::fs::write(&input, bytes).unwrap();
    let format = match law {
        Law::Ulaw => "mulaw",
        Law::Alaw => "alaw",
    };
    let out = Process::new("ffmpeg")
        .args(["-v", "error", "-f", format, "-ar", "8000", "-ac", "1", "-i"])
        .arg(&input)
        .args(["-f", "s16le", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// The access units of H.264 RTP packets in `got`, as one Annex B stream starting at the first
/// keyframe.
pub fn annex_b(got: &[Got]) -> Vec<u8> {
    let mut d = Depacketizer::new();
    let mut out = Vec::new();
    for g in got {
        if let Ok(p) = RtpPacket::parse(&g.bytes) {
            let _ = d.push(p.sequence, p.timestamp, p.marker, p.payload);
        }
        while let Some(au) = d.pop() {
            out.extend_from_slice(&au.to_annex_b());
        }
    }
    out
}

/// Decodes an Annex B H.264 stream with ffmpeg into RGB24 pictures of `w`×`h`.
pub fn ffmpeg_h264(dir: &Path, stream: &[u8], w: usize, h: usize) -> Vec<Vec<u8>> {
    let input = dir.join("video.h264");
    std::fs::write(&input, stream).unwrap();
    let out = Process::new("ffmpeg")
        .args(["-v", "error", "-f", "h264", "-i"])
        .arg(&input)
        .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(w * h * 3)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Mean RGB of a `w`-wide RGB24 picture over a rectangle.
pub fn mean_rgb(pic: &[u8], w: usize, x: usize, y: usize, rw: usize, rh: usize) -> [u8; 3] {
    let mut sum = [0u64; 3];
    for row in y..y + rh {
        for col in x..x + rw {
            let at = (row * w + col) * 3;
            for c in 0..3 {
                sum[c] += u64::from(pic[at + c]);
            }
        }
    }
    let n = (rw * rh) as u64;
    sum.map(|s| (s / n) as u8)
}

/// Waits until `cond` holds, checking every 50 ms, for at most `limit`.
pub async fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cond()
}

/// The media tests' UDP capture writer, shared rather than copied.
#[path = "../../../media/tests/support/pcap_udp.rs"]
mod pcap_udp;
#[allow(unused_imports)] // not every test binary writes captures
pub use pcap_udp::PcapWriter;
