//! The per-call relay task: one `select!` over the call's eight UDP sockets (RTP and RTCP for
//! audio and video on each leg), the H.323 call's media events and two timers (RTCP reports,
//! publishing statistics). It owns every [`StreamRelay`] of the call, so the hot path takes no
//! lock; the API reads a snapshot the task publishes every 200 ms and when it ends.
//!
//! Sending uses [`rtp_sockets::send_now`]: a full socket buffer drops the packet (as the
//! network would) rather than stalling every other stream of the call behind it.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use h323::h245::capabilities::{AudioCodec, Codec, VideoCodec};
use h323::h245::session::Direction;
use h323_tokio::{Command, MediaSockets};
use media::g711::Law;
use media::rtcp::{self, Bye, NtpTime, Pli, ReceiverReport, RtcpPacket};
use media::rtp::{ClockRate, PT_PCMA, PT_PCMU};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::stream::StreamRelay;
use super::{DirectionStats, McuEvent, McuMedia, MediaAddresses, MediaStats, VnSockets};

/// The VN legs' H.264 payload type.
pub const PT_H264_VN: u8 = 96;
/// RFC 3550 §6.2's suggested report interval for a two-party session.
const RTCP_INTERVAL: Duration = Duration::from_secs(5);
const PUBLISH_INTERVAL: Duration = Duration::from_millis(200);
/// At most one videoFastUpdatePicture per this interval goes to the MCU, however many PLI/FIR
/// the VN side sends: each is an H.245 message and an IDR to encode, and the IDR answering the
/// first serves the ones that follow it (the MCU's own encoder spaces IDRs as far apart).
pub const FAST_UPDATE_INTERVAL: Duration = Duration::from_millis(500);
/// The same spacing the other way: at most one PLI per interval goes to the VN side, however
/// many videoFastUpdatePicture, PLI and FIR the MCU sends (an MCU may ask on every loss it
/// sees, and each request costs the VN side's encoder an IDR).
pub const VN_INTRA_INTERVAL: Duration = FAST_UPDATE_INTERVAL;
const BUF: usize = 2048;

/// What the gateway keeps of a running relay.
#[derive(Debug)]
pub struct RelayHandle {
    /// The latest statistics.
    pub stats: Arc<Mutex<MediaStats>>,
    /// Ends after the call's media events close (the call ended), with BYEs sent.
    pub task: JoinHandle<()>,
}

impl RelayHandle {
    /// The latest statistics snapshot.
    pub fn snapshot(&self) -> MediaStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Where one medium of one leg sends.
#[derive(Debug, Clone, Copy, Default)]
struct Dest {
    rtp: Option<SocketAddr>,
    rtcp: Option<SocketAddr>,
}

struct Medium {
    /// Relays what the MCU sends towards the VN side.
    from_mcu: StreamRelay,
    /// Relays what the VN side sends towards the MCU.
    to_mcu: StreamRelay,
    vn: Dest,
    mcu: Dest,
    /// The MCU's channel towards us: number and payload type.
    mcu_receive: Option<(u16, u8)>,
    /// Our channel towards the MCU.
    mcu_transmit: Option<u16>,
}

struct State {
    cname: String,
    audio: Medium,
    video: Medium,
    commands: mpsc::UnboundedSender<Command>,
    /// The VN side gave no addresses: learn them from what it sends (symmetric RTP).
    learn_vn: bool,
    /// Spaces the intra requests passed on to the MCU.
    fast_updates: Throttle,
    /// Spaces the intra requests passed on to the VN side.
    vn_intra: Throttle,
}

/// Lets one event through per interval and drops the rest.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    /// One event per `every`.
    pub fn new(every: Duration) -> Self {
        Self { every, last: None }
    }

    /// Whether an event at `now` goes through (and counts as the last one if so).
    pub fn allow(&mut self, now: Instant) -> bool {
        if self
            .last
            .is_some_and(|t| now.saturating_duration_since(t) < self.every)
        {
            return false;
        }
        self.last = Some(now);
        true
    }
}

/// SplitMix64: spreads the call's seed into independent SSRCs and initial sequence numbers.
fn mix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn stream(seed: &mut u64, rate: ClockRate, pt: u8) -> StreamRelay {
    let r = mix(seed);
    StreamRelay::new(rate, r as u32, (r >> 32) as u16, (r >> 40) as u32, pt)
}

fn dest(a: Option<super::RtpAddress>) -> Dest {
    Dest {
        rtp: a.map(|a| a.rtp),
        rtcp: a.map(|a| a.rtcp_or_next()),
    }
}

/// Starts relaying between the VN sockets (`vn`, sending to `vn_peer`, or learning the VN side's
/// addresses from what it sends when it gave none) and the H.323 call's `mcu` media.
pub fn spawn(
    cname: String,
    vn: VnSockets,
    vn_peer: MediaAddresses,
    mcu: McuMedia,
    seed: u64,
) -> RelayHandle {
    let mut seed = seed;
    let learn_vn = vn_peer.audio.is_none() && vn_peer.video.is_none();
    let state = State {
        cname,
        audio: Medium {
            from_mcu: stream(&mut seed, ClockRate::AUDIO_8K, PT_PCMU),
            to_mcu: stream(&mut seed, ClockRate::AUDIO_8K, PT_PCMU),
            vn: dest(vn_peer.audio),
            mcu: Dest::default(),
            mcu_receive: None,
            mcu_transmit: None,
        },
        video: Medium {
            from_mcu: stream(&mut seed, ClockRate::VIDEO_90K, PT_H264_VN),
            to_mcu: stream(&mut seed, ClockRate::VIDEO_90K, PT_H264_VN),
            vn: dest(vn_peer.video),
            mcu: Dest::default(),
            mcu_receive: None,
            mcu_transmit: None,
        },
        commands: mcu.commands,
        learn_vn,
        fast_updates: Throttle::new(FAST_UPDATE_INTERVAL),
        vn_intra: Throttle::new(VN_INTRA_INTERVAL),
    };
    let stats = Arc::new(Mutex::new(MediaStats::default()));
    let task = tokio::spawn(run(
        state,
        vn.sockets,
        mcu.sockets,
        mcu.events,
        stats.clone(),
    ));
    RelayHandle { stats, task }
}

fn snapshot(s: &State) -> MediaStats {
    MediaStats {
        from_mcu: DirectionStats {
            audio: s.audio.from_mcu.stats(),
            video: s.video.from_mcu.stats(),
        },
        to_mcu: DirectionStats {
            audio: s.audio.to_mcu.stats(),
            video: s.video.to_mcu.stats(),
        },
    }
}

async fn run(
    mut s: State,
    vn: MediaSockets,
    mcu: MediaSockets,
    mut events: mpsc::UnboundedReceiver<McuEvent>,
    stats: Arc<Mutex<MediaStats>>,
) {
    let mut bufs = vec![[0u8; BUF]; 8];
    let [b0, b1, b2, b3, b4, b5, b6, b7] = &mut bufs[..] else {
        unreachable!("eight buffers")
    };
    let start = tokio::time::Instant::now();
    let mut reports = tokio::time::interval_at(start + Duration::from_secs(1), RTCP_INTERVAL);
    let mut publish = tokio::time::interval_at(start + PUBLISH_INTERVAL, PUBLISH_INTERVAL);
    loop {
        tokio::select! {
            r = mcu.audio_rtp.recv_from(&mut b0[..]) => if let Ok((n, _)) = r {
                from_mcu_audio(&mut s, &vn.audio_rtp, &mut b0[..n]);
            },
            r = mcu.video_rtp.recv_from(&mut b1[..]) => if let Ok((n, _)) = r {
                from_mcu_video(&mut s, &vn.video_rtp, &mut b1[..n]);
            },
            r = vn.audio_rtp.recv_from(&mut b2[..]) => if let Ok((n, from)) = r {
                if s.learn_vn { learn(&mut s.audio.vn, from); }
                to_mcu(&mut s.audio, &mcu.audio_rtp, &mut b2[..n], PT_PCMU);
            },
            r = vn.video_rtp.recv_from(&mut b3[..]) => if let Ok((n, from)) = r {
                if s.learn_vn { learn(&mut s.video.vn, from); }
                to_mcu(&mut s.video, &mcu.video_rtp, &mut b3[..n], PT_H264_VN);
            },
            r = mcu.audio_rtcp.recv_from(&mut b4[..]) => if let Ok((n, _)) = r {
                mcu_rtcp(&mut s, &vn, &b4[..n], false);
            },
            r = mcu.video_rtcp.recv_from(&mut b5[..]) => if let Ok((n, _)) = r {
                mcu_rtcp(&mut s, &vn, &b5[..n], true);
            },
            r = vn.audio_rtcp.recv_from(&mut b6[..]) => if let Ok((n, from)) = r {
                if s.learn_vn && s.audio.vn.rtcp.is_none() { s.audio.vn.rtcp = Some(from); }
                vn_rtcp(&mut s, &b6[..n], false);
            },
            r = vn.video_rtcp.recv_from(&mut b7[..]) => if let Ok((n, from)) = r {
                if s.learn_vn && s.video.vn.rtcp.is_none() { s.video.vn.rtcp = Some(from); }
                vn_rtcp(&mut s, &b7[..n], true);
            },
            e = events.recv() => match e {
                Some(e) => on_event(&mut s, &vn, e),
                None => break,
            },
            _ = reports.tick() => send_reports(&mut s, &vn, &mcu, false),
            _ = publish.tick() => *stats.lock().unwrap_or_else(|e| e.into_inner()) = snapshot(&s),
        }
    }
    send_reports(&mut s, &vn, &mcu, true);
    *stats.lock().unwrap_or_else(|e| e.into_inner()) = snapshot(&s);
}

fn learn(d: &mut Dest, from: SocketAddr) {
    if d.rtp != Some(from) {
        d.rtp = Some(from);
        let mut rtcp = from;
        rtcp.set_port(from.port().wrapping_add(1));
        d.rtcp.get_or_insert(rtcp);
    }
}

fn from_mcu_audio(s: &mut State, out: &UdpSocket, buf: &mut [u8]) {
    let law = match buf.get(1).map(|b| b & 0x7f) {
        Some(PT_PCMU) => Law::Ulaw,
        Some(PT_PCMA) => Law::Alaw,
        _ => return,
    };
    let m = &mut s.audio;
    m.from_mcu.set_transcode(Some((law, Law::Ulaw)));
    if m.from_mcu.process(Instant::now(), buf).is_ok() {
        if let Some(to) = m.vn.rtp {
            let _ = rtp_sockets::send_now(out, buf, to);
        }
    }
}

fn from_mcu_video(s: &mut State, out: &UdpSocket, buf: &mut [u8]) {
    let Some(pt) = buf.get(1).map(|b| b & 0x7f) else {
        return;
    };
    let m = &mut s.video;
    let expected = match m.mcu_receive {
        Some((_, p)) => pt == p,
        None => pt >= 96,
    };
    if expected && m.from_mcu.process(Instant::now(), buf).is_ok() {
        if let Some(to) = m.vn.rtp {
            let _ = rtp_sockets::send_now(out, buf, to);
        }
    }
}

fn to_mcu(m: &mut Medium, out: &UdpSocket, buf: &mut [u8], vn_pt: u8) {
    // Nothing to relay until the MCU opened the channel we send on.
    let Some(to) = m.mcu.rtp else { return };
    if buf.get(1).map(|b| b & 0x7f) != Some(vn_pt) {
        return;
    }
    if m.to_mcu.process(Instant::now(), buf).is_ok() {
        let _ = rtp_sockets::send_now(out, buf, to);
    }
}

fn on_event(s: &mut State, vn: &MediaSockets, e: McuEvent) {
    match e {
        McuEvent::ChannelOpened(ch) => {
            let d = Dest {
                rtp: ch.rtp,
                rtcp: ch.remote_rtcp.or_else(|| {
                    ch.rtp.map(|mut a| {
                        a.set_port(a.port().wrapping_add(1));
                        a
                    })
                }),
            };
            match (ch.direction, ch.codec) {
                (Direction::Transmit, Codec::Audio(a)) => {
                    let law = match a {
                        AudioCodec::Pcmu => Law::Ulaw,
                        AudioCodec::Pcma => Law::Alaw,
                    };
                    s.audio.mcu = d;
                    s.audio.mcu_transmit = Some(ch.number);
                    s.audio.to_mcu.set_out_pt(a.payload_type());
                    s.audio.to_mcu.set_transcode(Some((Law::Ulaw, law)));
                }
                (Direction::Transmit, Codec::Video(VideoCodec::H264 { .. })) => {
                    s.video.mcu = d;
                    s.video.mcu_transmit = Some(ch.number);
                    s.video.to_mcu.set_out_pt(ch.payload_type);
                }
                (Direction::Transmit, Codec::Video(v)) => {
                    tracing::warn!(codec = v.name(), "the MCU chose a video codec the VN side does not send; no video towards the MCU");
                }
                (Direction::Receive, Codec::Audio(a)) => {
                    s.audio.mcu_receive = Some((ch.number, a.payload_type()));
                    if s.audio.mcu.rtcp.is_none() {
                        s.audio.mcu.rtcp = ch.remote_rtcp;
                    }
                }
                (Direction::Receive, Codec::Video(_)) => {
                    s.video.mcu_receive = Some((ch.number, ch.payload_type));
                    if s.video.mcu.rtcp.is_none() {
                        s.video.mcu.rtcp = ch.remote_rtcp;
                    }
                }
            }
        }
        McuEvent::ChannelClosed { number } => {
            for m in [&mut s.audio, &mut s.video] {
                if m.mcu_transmit == Some(number) {
                    m.mcu_transmit = None;
                    m.mcu.rtp = None;
                }
                if m.mcu_receive.is_some_and(|(n, _)| n == number) {
                    m.mcu_receive = None;
                }
            }
        }
        McuEvent::FastUpdateRequested => pli_to_vn(s, vn),
    }
}

/// Asks the VN side for an intra picture on the video it sends us (one per
/// [`VN_INTRA_INTERVAL`]).
fn pli_to_vn(s: &mut State, vn: &MediaSockets) {
    let Some(to) = s.video.vn.rtcp else { return };
    if !s.vn_intra.allow(Instant::now()) {
        return;
    }
    let sender = s.video.from_mcu.ssrc();
    let packets = [
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: sender,
            reports: Vec::new(),
        }),
        RtcpPacket::Pli(Pli {
            sender_ssrc: sender,
            media_ssrc: s.video.to_mcu.source().unwrap_or(0),
        }),
    ];
    if let Ok(bytes) = rtcp::build_compound(&packets) {
        let _ = rtp_sockets::send_now(&vn.video_rtcp, &bytes, to);
    }
}

fn mcu_rtcp(s: &mut State, vn: &MediaSockets, bytes: &[u8], video: bool) {
    let Ok(packets) = rtcp::parse_compound(bytes) else {
        return;
    };
    let now = Instant::now();
    let mut intra = false;
    for p in packets {
        match p {
            RtcpPacket::SenderReport(sr) => {
                let m = if video { &mut s.video } else { &mut s.audio };
                m.from_mcu.on_sender_report(now, &sr);
            }
            RtcpPacket::Pli(_) | RtcpPacket::Fir(_) if video => intra = true,
            _ => {}
        }
    }
    if intra {
        pli_to_vn(s, vn);
    }
}

fn vn_rtcp(s: &mut State, bytes: &[u8], video: bool) {
    let Ok(packets) = rtcp::parse_compound(bytes) else {
        return;
    };
    let now = Instant::now();
    let mut intra = false;
    for p in packets {
        match p {
            RtcpPacket::SenderReport(sr) => {
                let m = if video { &mut s.video } else { &mut s.audio };
                m.to_mcu.on_sender_report(now, &sr);
            }
            RtcpPacket::Pli(_) | RtcpPacket::Fir(_) if video => intra = true,
            _ => {}
        }
    }
    if let (true, Some((number, _))) = (intra, s.video.mcu_receive) {
        if s.fast_updates.allow(now) {
            let _ = s.commands.send(Command::FastUpdate(number));
        }
    }
}

/// SR/RR on each leg for each medium; with `bye`, ends each stream we sent with a BYE.
fn send_reports(s: &mut State, vn: &MediaSockets, mcu: &MediaSockets, bye: bool) {
    let now = Instant::now();
    let ntp = NtpTime::from_system_time(SystemTime::now());
    let cname = s.cname.clone();
    for (video, m) in [(false, &mut s.audio), (true, &mut s.video)] {
        let (vn_sock, mcu_sock) = if video {
            (&vn.video_rtcp, &mcu.video_rtcp)
        } else {
            (&vn.audio_rtcp, &mcu.audio_rtcp)
        };
        // VN leg: we send from_mcu there and receive to_mcu.
        if let Some(to) = m.vn.rtcp {
            if m.from_mcu.has_sent() || m.to_mcu.source().is_some() {
                let mut p = StreamRelay::report(now, ntp, &cname, &m.from_mcu, &mut m.to_mcu);
                if bye && m.from_mcu.has_sent() {
                    p.push(RtcpPacket::Bye(Bye {
                        sources: vec![m.from_mcu.ssrc()],
                        reason: Some(b"call ended".to_vec()),
                    }));
                }
                if let Ok(bytes) = rtcp::build_compound(&p) {
                    let _ = rtp_sockets::send_now(vn_sock, &bytes, to);
                }
            }
        }
        // H.323 leg: we send to_mcu there and receive from_mcu.
        if let Some(to) = m.mcu.rtcp {
            if m.to_mcu.has_sent() || m.from_mcu.source().is_some() {
                let mut p = StreamRelay::report(now, ntp, &cname, &m.to_mcu, &mut m.from_mcu);
                if bye && m.to_mcu.has_sent() {
                    p.push(RtcpPacket::Bye(Bye {
                        sources: vec![m.to_mcu.ssrc()],
                        reason: Some(b"call ended".to_vec()),
                    }));
                }
                if let Ok(bytes) = rtcp::build_compound(&p) {
                    let _ = rtp_sockets::send_now(mcu_sock, &bytes, to);
                }
            }
        }
    }
}

/// Maps the call's H.245 events to what the relay needs.
pub fn media_event(e: &h323::h245::session::H245Event) -> Option<McuEvent> {
    use h323::h245::session::H245Event as E;
    match e {
        E::ChannelOpened(ch) => Some(McuEvent::ChannelOpened(ch.clone())),
        E::ChannelClosed { number, .. } => Some(McuEvent::ChannelClosed { number: *number }),
        E::FastUpdateRequested { .. } => Some(McuEvent::FastUpdateRequested),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PLIs that reach a VN-side RTCP socket within `window`.
    async fn plis_within(vn_rtcp: &UdpSocket, window: Duration) -> usize {
        let mut buf = [0u8; BUF];
        let mut n = 0;
        let end = tokio::time::Instant::now() + window;
        while let Ok(Ok(len)) = tokio::time::timeout_at(end, vn_rtcp.recv(&mut buf)).await {
            let packets = rtcp::parse_compound(&buf[..len]).unwrap();
            n += packets
                .iter()
                .filter(|p| matches!(p, RtcpPacket::Pli(_)))
                .count();
        }
        n
    }

    #[tokio::test]
    async fn intra_requests_to_the_vn_side_are_spaced() {
        let lo: std::net::IpAddr = std::net::Ipv4Addr::LOCALHOST.into();
        let vn = VnSockets {
            sockets: MediaSockets::bind(lo).await.unwrap(),
        };
        let mcu_sockets = MediaSockets::bind(lo).await.unwrap();
        let mcu_video_rtcp = mcu_sockets.video_rtcp.local_addr().unwrap();
        // The VN side's video RTCP socket, where the relay sends its PLIs.
        let vn_rtcp = UdpSocket::bind((lo, 0)).await.unwrap();
        let vn_peer = MediaAddresses {
            audio: None,
            video: Some(super::super::RtpAddress {
                rtp: SocketAddr::new(lo, 9),
                rtcp: Some(vn_rtcp.local_addr().unwrap()),
            }),
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        let (commands, _commands_rx) = mpsc::unbounded_channel();
        let mcu = McuMedia {
            sockets: mcu_sockets,
            events,
            commands,
        };
        let relay = spawn("test".into(), vn, vn_peer, mcu, 7);

        // A burst from the MCU: three videoFastUpdatePicture and a PLI over RTCP.
        for _ in 0..3 {
            events_tx.send(McuEvent::FastUpdateRequested).unwrap();
        }
        let mcu_side = UdpSocket::bind((lo, 0)).await.unwrap();
        let pli = rtcp::build_compound(&[
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: 0x4d43_5501,
                reports: Vec::new(),
            }),
            RtcpPacket::Pli(Pli {
                sender_ssrc: 0x4d43_5501,
                media_ssrc: 0,
            }),
        ])
        .unwrap();
        mcu_side.send_to(&pli, mcu_video_rtcp).await.unwrap();
        assert_eq!(plis_within(&vn_rtcp, Duration::from_millis(300)).await, 1);

        // After the interval the next request goes through again.
        tokio::time::sleep(VN_INTRA_INTERVAL).await;
        events_tx.send(McuEvent::FastUpdateRequested).unwrap();
        assert_eq!(plis_within(&vn_rtcp, Duration::from_millis(300)).await, 1);
        drop(events_tx);
        relay.task.await.unwrap();
    }

    #[test]
    fn the_throttle_lets_one_through_per_interval() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut t = Throttle::new(ms(500));
        assert!(t.allow(t0));
        assert!(!t.allow(t0));
        assert!(!t.allow(t0 + ms(499)));
        assert!(t.allow(t0 + ms(500)));
        // Dropped events do not push the window on.
        assert!(!t.allow(t0 + ms(700)));
        assert!(t.allow(t0 + ms(1000)));
    }
}
