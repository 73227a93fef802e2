//! Support for the media relay tests: a test H.323 answerer (the "MCU": accepts, opens G.711
//! A-law and H.264, sends a tone and records what it gets), a test VN side (RTP peer), a seeded
//! impairing UDP relay, and the oracles (ffmpeg decodes G.711, tshark dissects RTP in a pcap).
//! The pcap writer and tshark helpers repeat `crates/media/tests/support` (integration tests of
//! two crates cannot share a module without a crate of their own).
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use h323::call::{Alias, CallConfig, CallTimers, EndpointKind, Event};
use h323::h245::capabilities::{AudioCodec, Codec, MediaCapabilities, VideoCodec};
use h323::h245::session::{Direction, H245Config, H245Event, H245Timers};
use h323_tokio::{Command, MediaSockets};
use media::g711::Law;
use media::rtp::{RtpPacket, PT_PCMA, PT_PCMU};
use media::tone::Tone;
use tokio::net::{TcpListener, UdpSocket};

pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// One received RTP packet.
#[derive(Debug, Clone)]
pub struct Rtp {
    pub pt: u8,
    pub seq: u16,
    pub ts: u32,
    pub ssrc: u32,
    pub marker: bool,
    pub payload: Vec<u8>,
    /// The whole datagram (for pcaps).
    pub bytes: Vec<u8>,
}

pub type Log = Arc<Mutex<Vec<Rtp>>>;

fn record(log: &Log, bytes: &[u8]) {
    if let Ok(p) = RtpPacket::parse(bytes) {
        log.lock().unwrap().push(Rtp {
            pt: p.payload_type,
            seq: p.sequence,
            ts: p.timestamp,
            ssrc: p.ssrc,
            marker: p.marker,
            payload: p.payload.to_vec(),
            bytes: bytes.to_vec(),
        });
    }
}

fn recorder(sock: Arc<UdpSocket>, log: Log) {
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while let Ok((n, _)) = sock.recv_from(&mut buf).await {
            record(&log, &buf[..n]);
        }
    });
}

/// Sends `count` 20 ms G.711 packets of a `hz` tone from `sock` to `to`.
pub fn send_tone(
    sock: Arc<UdpSocket>,
    to: SocketAddr,
    law: Law,
    hz: f64,
    ssrc: u32,
    count: u16,
) -> tokio::task::JoinHandle<()> {
    send_tone_at(sock, to, law, hz, 8000, ssrc, count)
}

/// [`send_tone`] with a peak amplitude.
pub fn send_tone_at(
    sock: Arc<UdpSocket>,
    to: SocketAddr,
    law: Law,
    hz: f64,
    amplitude: i16,
    ssrc: u32,
    count: u16,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tone = Tone::new(hz, amplitude, 8000);
        let mut pcm = [0i16; 160];
        let mut code = [0u8; 160];
        let mut tick = tokio::time::interval(Duration::from_millis(20));
        for i in 0..count {
            tick.tick().await;
            tone.fill(&mut pcm);
            law.encode(&pcm, &mut code);
            let mut p = RtpPacket::new(
                law.payload_type(),
                1000u16.wrapping_add(i),
                160 * u32::from(i),
                ssrc,
            );
            p.marker = i == 0;
            p.payload = &code;
            let _ = sock.send_to(&p.to_vec().unwrap(), to).await;
        }
    })
}

/// H.264 test-pattern RTP packets (`frames` pictures at 10 fps, CIF) for `ssrc`, PT `pt`.
pub fn h264_packets(frames: usize, ssrc: u32, pt: u8) -> Vec<(usize, Vec<u8>)> {
    use media::h264::{H264RtpSender, Packetizer, DEFAULT_MAX_PAYLOAD};
    use media::rtp::{ClockRate, RtpTime};
    use media::video::{test_pattern, EncoderSettings, H264Encoder, Rgb};
    let mut enc = H264Encoder::new(EncoderSettings {
        fps: 10.0,
        ..EncoderSettings::default()
    })
    .unwrap();
    let mut sender = H264RtpSender::new(Packetizer::new(DEFAULT_MAX_PAYLOAD), ssrc, pt, 7000);
    let pic = test_pattern(352, 288, Rgb::new(20, 90, 200), "VN").unwrap();
    let mut out = Vec::new();
    for i in 0..frames {
        let f = enc.encode(&pic).unwrap();
        let t = RtpTime::from_duration(Duration::from_millis(100 * i as u64), ClockRate::VIDEO_90K);
        for p in sender.send(&f.nals, t) {
            out.push((i, p));
        }
    }
    out
}

/// The test "MCU": one H.323 call answered with only A-law and H.264 in its capabilities.
pub struct Answerer {
    pub addr: SocketAddr,
    pub audio: Log,
    pub video: Log,
    pub fast_updates: Arc<AtomicUsize>,
    /// Ends the call from the MCU side.
    pub hangup: tokio::sync::mpsc::UnboundedSender<()>,
}

pub const ANSWERER_SSRC: u32 = 0xa0a0_0001;
pub const ANSWERER_VIDEO_SSRC: u32 = 0xa0a0_0002;

/// Starts the answerer; once its channels are open it sends `tone_packets` of 440 Hz A-law
/// and `video_frames` H.264 pictures.
pub async fn answerer(tone_packets: u16, video_frames: usize) -> Answerer {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let audio: Log = Arc::default();
    let video: Log = Arc::default();
    let fast_updates = Arc::new(AtomicUsize::new(0));
    let (hangup, mut hangup_rx) = tokio::sync::mpsc::unbounded_channel();
    let (a, v, fu) = (audio.clone(), video.clone(), fast_updates.clone());
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let media = MediaSockets::bind(LOOPBACK).await.unwrap();
        let cfg = CallConfig {
            kind: EndpointKind::Mcu,
            aliases: vec![Alias::H323Id("test MCU".into())],
            display: Some("test MCU".into()),
            signalling_address: None,
            h245: H245Config {
                terminal_type: 190,
                capabilities: MediaCapabilities {
                    audio: vec![AudioCodec::Pcma],
                    video: vec![VideoCodec::H264_BASELINE],
                },
                media: media.local_media().unwrap(),
                timers: H245Timers::default(),
                open_channels: true,
            },
            fast_start: true,
            tunnelling: true,
            h245_listener: None,
            timers: CallTimers::default(),
        };
        let mut task = h323_tokio::serve(stream, cfg, None, 11);
        let MediaSockets {
            audio_rtp,
            audio_rtcp: _audio_rtcp,
            video_rtp,
            video_rtcp: _video_rtcp,
        } = media;
        let (audio_rtp, video_rtp) = (Arc::new(audio_rtp), Arc::new(video_rtp));
        recorder(audio_rtp.clone(), a);
        recorder(video_rtp.clone(), v);
        loop {
            tokio::select! {
                e = task.events.recv() => match e {
                    None | Some(Event::Released(_)) => break,
                    Some(Event::Incoming(_)) => {
                        task.commands.send(Command::Proceed).unwrap();
                        task.commands.send(Command::Accept).unwrap();
                    }
                    Some(Event::H245(H245Event::ChannelOpened(ch))) if ch.direction == Direction::Transmit => {
                        let to = ch.rtp.expect("transmit channel has an address");
                        match ch.codec {
                            Codec::Audio(AudioCodec::Pcma) => {
                                send_tone(audio_rtp.clone(), to, Law::Alaw, 440.0, ANSWERER_SSRC, tone_packets);
                            }
                            Codec::Audio(AudioCodec::Pcmu) => panic!("the answerer only has A-law"),
                            Codec::Video(c) => {
                                let sock = video_rtp.clone();
                                let pt = c.payload_type();
                                tokio::spawn(async move {
                                    let packets = tokio::task::spawn_blocking(move || h264_packets(video_frames, ANSWERER_VIDEO_SSRC, pt)).await.unwrap();
                                    let mut frame = usize::MAX;
                                    for (f, p) in packets {
                                        if f != frame {
                                            frame = f;
                                            tokio::time::sleep(Duration::from_millis(100)).await;
                                        }
                                        let _ = sock.send_to(&p, to).await;
                                    }
                                });
                            }
                        }
                    }
                    Some(Event::H245(H245Event::FastUpdateRequested { .. })) => {
                        fu.fetch_add(1, Ordering::SeqCst);
                    }
                    Some(_) => {}
                },
                Some(()) = hangup_rx.recv() => {
                    let _ = task.commands.send(Command::Hangup(h323::q931::CauseValue::NormalCallClearing));
                }
            }
        }
    });
    Answerer {
        addr,
        audio,
        video,
        fast_updates,
        hangup,
    }
}

/// The test VN side: RTP/RTCP pairs it receives on (and sends from).
pub struct VnPeer {
    pub audio_rtp: Arc<UdpSocket>,
    pub audio_rtcp: Arc<UdpSocket>,
    pub video_rtp: Arc<UdpSocket>,
    pub video_rtcp: Arc<UdpSocket>,
    pub audio: Log,
    pub video: Log,
    /// RTCP datagrams received on the video pair.
    pub video_rtcp_log: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl VnPeer {
    pub async fn bind() -> Self {
        let m = MediaSockets::bind(LOOPBACK).await.unwrap();
        let peer = Self {
            audio_rtp: Arc::new(m.audio_rtp),
            audio_rtcp: Arc::new(m.audio_rtcp),
            video_rtp: Arc::new(m.video_rtp),
            video_rtcp: Arc::new(m.video_rtcp),
            audio: Arc::default(),
            video: Arc::default(),
            video_rtcp_log: Arc::default(),
        };
        recorder(peer.audio_rtp.clone(), peer.audio.clone());
        recorder(peer.video_rtp.clone(), peer.video.clone());
        let (sock, log) = (peer.video_rtcp.clone(), peer.video_rtcp_log.clone());
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((n, _)) = sock.recv_from(&mut buf).await {
                log.lock().unwrap().push(buf[..n].to_vec());
            }
        });
        peer
    }

    /// The `media` object of `POST /v1/calls`.
    pub fn media_json(&self) -> serde_json::Value {
        serde_json::json!({
            "audio": {"rtp": self.audio_rtp.local_addr().unwrap().to_string()},
            "video": {"rtp": self.video_rtp.local_addr().unwrap().to_string(),
                      "rtcp": self.video_rtcp.local_addr().unwrap().to_string()},
        })
    }
}

pub fn addr(v: &serde_json::Value) -> SocketAddr {
    v.as_str().unwrap().parse().unwrap()
}

/// Forwards datagrams from its socket to `to`, dropping about `drop_percent` %, swapping
/// some neighbours and duplicating some, from a fixed seed. Returns its address.
pub async fn impairing_relay(
    to: SocketAddr,
    seed: u64,
    drop_percent: u64,
) -> (SocketAddr, Arc<AtomicUsize>) {
    let sock = UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let here = sock.local_addr().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    let d = dropped.clone();
    tokio::spawn(async move {
        let mut state = seed;
        let mut next = move || {
            // xorshift64*: enough for a test's dice.
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d) % 100
        };
        let mut held: Option<Vec<u8>> = None;
        let mut buf = [0u8; 2048];
        while let Ok((n, _)) = sock.recv_from(&mut buf).await {
            let roll = next();
            let pkt = buf[..n].to_vec();
            if roll < drop_percent {
                d.fetch_add(1, Ordering::SeqCst);
                continue;
            }
            if roll < drop_percent + 3 && held.is_none() {
                // Hold this one back: it goes out after the next (reordering).
                held = Some(pkt);
                continue;
            }
            let _ = sock.send_to(&pkt, to).await;
            if let Some(h) = held.take() {
                let _ = sock.send_to(&h, to).await;
            }
            if roll >= 97 {
                let _ = sock.send_to(&pkt, to).await;
            }
        }
    });
    (here, dropped)
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Whether `tool -version` runs; missing is a SKIP locally and a failure under CI.
pub fn have(tool: &str, test: &str) -> bool {
    let flag = if tool == "tshark" { "-v" } else { "-version" };
    let ok = Process::new(tool)
        .arg(flag)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!in_ci(), "{test}: {tool} is required under CI");
        println!("SKIP: {test}: {tool} not installed");
    }
    ok
}

/// A temporary path unique to this process and call (tests of one binary run in parallel).
pub fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "cascade-gw-media-{}-{n}-{name}",
        std::process::id()
    ))
}

/// Decodes G.711 (`mulaw` or `alaw`) bytes to 16-bit PCM with ffmpeg.
pub fn ffmpeg_g711(format: &str, codes: &[u8]) -> Vec<i16> {
    let input = temp_path(&format!("in.{format}"));
    let output = temp_path(&format!("out-{format}.s16"));
    std::fs::write(&input, codes).unwrap();
    let out = Process::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            format,
            "-ar",
            "8000",
            "-ac",
            "1",
            "-i",
        ])
        .arg(&input)
        .args(["-f", "s16le", "-acodec", "pcm_s16le"])
        .arg(&output)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&output).unwrap();
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// The fraction of 20 ms frames (160 samples) in which `hz` is the stronger of `hz` and `other`
/// by at least 10 dB, over frames that are not silent.
pub fn tone_share(pcm: &[i16], hz: f64, other: f64) -> f64 {
    use media::tone::goertzel_power;
    let frames: Vec<_> = pcm.chunks_exact(160).collect();
    if frames.is_empty() {
        return 0.0;
    }
    let hits = frames
        .iter()
        .filter(|f| {
            let a = goertzel_power(f, hz, 8000);
            let b = goertzel_power(f, other, 8000);
            a > 1e5 && a > 10.0 * b
        })
        .count();
    hits as f64 / frames.len() as f64
}

/// Payloads in sequence order (by extended sequence number of one stream).
pub fn payloads_in_order(log: &[Rtp]) -> Vec<u8> {
    let mut v: Vec<&Rtp> = log.iter().collect();
    let first = v.first().map_or(0, |p| p.seq);
    v.sort_by_key(|p| p.seq.wrapping_sub(first).wrapping_add(100));
    v.dedup_by_key(|p| p.seq);
    v.iter().flat_map(|p| p.payload.iter().copied()).collect()
}

pub const PT_A: u8 = PT_PCMA;
pub const PT_U: u8 = PT_PCMU;

#[path = "../../../media/tests/support/pcap_udp.rs"]
mod pcap_udp;

/// A classic pcap (Ethernet/IPv4/UDP on 127.0.0.1) of datagrams to `dst_port`, 20 ms apart.
pub fn write_pcap(path: &Path, dst_port: u16, datagrams: &[&[u8]]) {
    let mut pcap = pcap_udp::PcapWriter::new();
    for (i, payload) in datagrams.iter().enumerate() {
        pcap.udp(i as u64 * 20_000, 5000, dst_port, payload);
    }
    pcap.write(path);
}

/// tshark's fields of the RTP in `pcap` decoded on `port`.
pub fn tshark_rtp(pcap: &Path, port: u16, fields: &[&str]) -> Vec<Vec<String>> {
    let decode = format!("udp.port=={port},rtp");
    let mut cmd = Process::new("tshark");
    cmd.arg("-r")
        .arg(pcap)
        .args(["-d", &decode, "-T", "fields", "-E", "separator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}

/// tshark's one-line summaries of packets matching `filter`.
pub fn tshark_filter(pcap: &Path, port: u16, filter: &str) -> String {
    let decode = format!("udp.port=={port},rtp");
    let out = Process::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-d", &decode, "-Y", filter])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
