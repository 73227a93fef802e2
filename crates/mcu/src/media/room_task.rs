//! The room task: owns the room's media state, applies [`Control`] messages and inbound
//! datagrams, and every 20 ms mixes audio, composes and encodes video when a picture is due,
//! sends RTCP reports every few seconds, and publishes the figures for the admin API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use h323::h245::capabilities::{AudioCodec, Codec, VideoCodec};
use h323::h245::session::{Direction, MediaChannel};
use h323_tokio::Command;
use media::g711::Law;
use media::rtcp::{build_compound, is_rtcp, parse_compound, Bye, NtpTime, RtcpPacket};
use media::rtp::{ClockRate, RtpPacket};
use media::stats::{report, ReceiverStats, SenderStats};
use media::video::I420Frame;
use tokio::sync::{mpsc, watch};
use tokio::time::MissedTickBehavior;

use super::audio::{AudioMix, AudioOut, ParticipantAudio};
use super::rtp_out::{splitmix, RtpOut};
use super::video::{RoomVideo, VideoIn, VideoOut};
use super::{
    layout_name, rtcp_of, Control, EncoderView, Inbound, MediaEngine, ParticipantFigures, Port,
    RoomHandle, RoomMediaView, Sockets, StreamFigures, INBOUND_QUEUE,
};
use crate::config::VideoConfig;
use crate::registry::ParticipantId;
use crate::room::LayoutChoice;

/// The audio frame and mixing interval.
const TICK: Duration = Duration::from_millis(20);
/// RTCP report interval (RFC 3550 §6.2 recommends 5 s as the minimum for small sessions).
const RTCP_INTERVAL: Duration = Duration::from_secs(5);
/// How long a room's media task outlives its last participant.
const LINGER: Duration = Duration::from_secs(10);
/// Figures for the API are refreshed every this many ticks.
const VIEW_EVERY: u64 = 10;
/// CNAME in our SDES.
const CNAME: &str = "cascade-mcu";

/// Starts the task of `room`.
pub(super) fn spawn(
    engine: MediaEngine,
    room: String,
    video: VideoConfig,
    layout: LayoutChoice,
) -> RoomHandle {
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let (inbound_tx, inbound_rx) = mpsc::channel(INBOUND_QUEUE);
    let (view_tx, view_rx) = watch::channel(RoomMediaView::idle(video, layout));
    let seed = room.bytes().fold(u64::from(std::process::id()), |h, b| {
        splitmix(h ^ u64::from(b))
    }) ^ SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    match RoomVideo::new(video, layout) {
        Ok(video) => {
            let state = Room {
                members: BTreeMap::new(),
                mix: AudioMix::default(),
                video,
                start: Instant::now(),
                last_tick: None,
                ticks: 0,
                seed,
            };
            tokio::spawn(run(engine, room, state, control_rx, inbound_rx, view_tx));
        }
        Err(e) => {
            // Only a bad configured size gets here; the room then has no media at all.
            tracing::error!(%room, error = %e, "cannot set up the room's video; no media");
        }
    }
    RoomHandle {
        control: control_tx,
        inbound: inbound_tx,
        view: view_rx,
    }
}

/// One participant's media state in the room.
struct Member {
    sockets: Arc<Sockets>,
    commands: mpsc::UnboundedSender<Command>,
    audio: ParticipantAudio,
    audio_tx_channel: Option<u16>,
    audio_rx_rtcp: Option<SocketAddr>,
    video_in: VideoIn,
    video_out: Option<VideoOut>,
    video_tx_channel: Option<u16>,
    video_rx_rtcp: Option<SocketAddr>,
    /// Our SSRC in receiver reports when we do not send on a stream.
    rr_ssrc: u32,
    next_rtcp: Instant,
    /// Intra requests it made about our video: H.245 videoFastUpdatePicture, RTCP PLI/FIR.
    fast_updates_received: u64,
    pli_fir_received: u64,
}

struct Room {
    members: BTreeMap<ParticipantId, Member>,
    mix: AudioMix,
    video: RoomVideo,
    start: Instant,
    last_tick: Option<u64>,
    ticks: u64,
    seed: u64,
}

async fn run(
    engine: MediaEngine,
    number: String,
    mut room: Room,
    mut control: mpsc::UnboundedReceiver<Control>,
    mut inbound: mpsc::Receiver<Inbound>,
    view: watch::Sender<RoomMediaView>,
) {
    tracing::debug!(room = %number, "room media starts");
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // When the last participant left; the task (and its encoder) lingers for LINGER so
    // that calls coming and going do not pay for a new encoder each time.
    let mut empty_since: Option<Instant> = None;
    loop {
        tokio::select! {
            c = control.recv() => match c {
                Some(c) => {
                    room.apply(c);
                    empty_since = match (room.members.is_empty(), empty_since) {
                        (true, None) => Some(Instant::now()),
                        (true, since) => since,
                        (false, _) => None,
                    };
                }
                None => break,
            },
            Some(d) = inbound.recv() => room.on_datagram(d),
            _ = tick.tick() => {
                let now = Instant::now();
                if empty_since.is_some_and(|t| now.saturating_duration_since(t) >= LINGER) {
                    // Stop under the engine's map lock, unless a Join is already queued.
                    let mut rooms = engine.rooms();
                    while let Ok(c) = control.try_recv() {
                        room.apply(c);
                    }
                    if room.members.is_empty() {
                        rooms.remove(&number);
                        break;
                    }
                    empty_since = None;
                }
                room.tick(now);
                if room.ticks.is_multiple_of(VIEW_EVERY) {
                    view.send_replace(room.view());
                }
            }
        }
    }
    tracing::debug!(room = %number, "room media stops: no participants");
}

fn law_of(codec: Codec) -> Option<Law> {
    match codec {
        Codec::Audio(AudioCodec::Pcmu) => Some(Law::Ulaw),
        Codec::Audio(AudioCodec::Pcma) => Some(Law::Alaw),
        _ => None,
    }
}

impl Room {
    fn next_seed(&mut self) -> u64 {
        self.seed = splitmix(self.seed);
        self.seed
    }

    fn apply(&mut self, c: Control) {
        let now = Instant::now();
        match c {
            Control::Join {
                id,
                sockets,
                commands,
            } => {
                let rr_ssrc = self.next_seed() as u32;
                self.members.insert(
                    id,
                    Member {
                        sockets,
                        commands,
                        audio: ParticipantAudio::default(),
                        audio_tx_channel: None,
                        audio_rx_rtcp: None,
                        video_in: VideoIn::default(),
                        video_out: None,
                        video_tx_channel: None,
                        video_rx_rtcp: None,
                        rr_ssrc,
                        next_rtcp: now + RTCP_INTERVAL,
                        fast_updates_received: 0,
                        pli_fir_received: 0,
                    },
                );
            }
            Control::Leave(id) => {
                if let Some(mut m) = self.members.remove(&id) {
                    send_rtcp(&mut m, now, true);
                }
            }
            Control::ChannelOpened(id, ch) => {
                let seed = self.next_seed();
                let Some(m) = self.members.get_mut(&id) else {
                    return;
                };
                if open_channel(m, &ch, now, seed) {
                    // A new video receiver can only start decoding at an IDR.
                    self.video.request_idr();
                }
            }
            Control::ChannelClosed(id, number, direction) => {
                if let Some(m) = self.members.get_mut(&id) {
                    close_channel(m, number, direction);
                }
            }
            Control::FastUpdate(id) => {
                if let Some(m) = self.members.get_mut(&id) {
                    m.fast_updates_received += 1;
                    self.video.request_idr();
                }
            }
            Control::Layout(l) => self.video.set_layout(l),
        }
    }

    fn on_datagram(&mut self, d: Inbound) {
        let Some(m) = self.members.get_mut(&d.id) else {
            return;
        };
        let video = matches!(d.port, Port::VideoRtp | Port::VideoRtcp);
        // RTCP may come on the RTP port (RFC 5761 multiplexing); tell them apart by type.
        if matches!(d.port, Port::AudioRtcp | Port::VideoRtcp) || is_rtcp(&d.bytes) {
            let Ok(packets) = parse_compound(&d.bytes) else {
                return;
            };
            for p in packets {
                match p {
                    RtcpPacket::SenderReport(sr) => {
                        let stats = if video {
                            m.video_in.stats.as_mut()
                        } else {
                            m.audio.rx.stats.as_mut()
                        };
                        if let Some(s) = stats {
                            s.on_sender_report(d.at, &sr);
                        }
                    }
                    RtcpPacket::Pli(_) | RtcpPacket::Fir(_) if video => {
                        m.pli_fir_received += 1;
                        self.video.request_idr();
                    }
                    _ => {}
                }
            }
            return;
        }
        let Ok(p) = RtpPacket::parse(&d.bytes) else {
            return;
        };
        if video {
            m.video_in.on_rtp(d.at, &p);
        } else {
            m.audio.rx.on_rtp(d.at, &p);
        }
    }

    fn tick(&mut self, now: Instant) {
        self.ticks += 1;
        let elapsed = now.saturating_duration_since(self.start);
        // Media time follows the wall clock so that a late tick leaves a gap in timestamps,
        // not a drift; two ticks never share a timestamp.
        let index = (elapsed.as_millis() / TICK.as_millis()) as u64;
        let index = match self.last_tick {
            Some(last) if index <= last => last + 1,
            _ => index,
        };
        self.last_tick = Some(index);
        self.mix_audio(now, (index * 160) as u32);
        self.run_video(now, (elapsed.as_micros() * 9 / 100) as u32);
        for m in self.members.values_mut() {
            if now >= m.next_rtcp {
                m.next_rtcp = now + RTCP_INTERVAL;
                send_rtcp(m, now, false);
            }
        }
    }

    fn mix_audio(&mut self, now: Instant, ts: u32) {
        let sockets: Vec<Arc<Sockets>> = self.members.values().map(|m| m.sockets.clone()).collect();
        let mut parts: Vec<&mut ParticipantAudio> =
            self.members.values_mut().map(|m| &mut m.audio).collect();
        self.mix.tick(now, ts, &mut parts, |i, dest, bytes| {
            // A full socket buffer drops this packet: audio is real time, no retry.
            let _ = rtp_sockets::send_now(&sockets[i].audio_rtp, bytes, dest);
        });
    }

    fn run_video(&mut self, now: Instant, ts: u32) {
        for m in self.members.values_mut() {
            m.video_in.drain(now);
            if let Some(channel) = m.video_in.fast_update_due(now) {
                let _ = m.commands.send(Command::FastUpdate(channel));
            }
        }
        if !self.members.values().any(|m| m.video_out.is_some()) {
            self.video.idle();
            return;
        }
        if !self.video.due(now) {
            return;
        }
        let pictures: Vec<Option<&I420Frame>> = self
            .members
            .values()
            .map(|m| m.video_in.picture.as_ref())
            .collect();
        // What the composite shows: who is in which tile, and which of their pictures.
        let scene = self
            .members
            .iter()
            .fold(self.members.len() as u64, |h, (id, m)| {
                splitmix(h ^ splitmix(*id ^ m.video_in.decoded.rotate_left(32)))
            });
        let Some(picture) = self.video.encode(now, ts, &pictures, scene) else {
            return;
        };
        for m in self.members.values_mut() {
            let Some(out) = &mut m.video_out else {
                continue;
            };
            for p in &picture.payloads {
                let dest = out.dest;
                let bytes = out.packet(now, picture.ts, p.marker, &p.payload);
                let _ = rtp_sockets::send_now(&m.sockets.video_rtp, bytes, dest);
            }
        }
    }

    fn view(&self) -> RoomMediaView {
        let config = self.video.config();
        let (width, height) = config.resolution.size();
        let participants = self
            .members
            .iter()
            .map(|(id, m)| (*id, figures(m)))
            .collect();
        RoomMediaView {
            layout_setting: self.video.layout_choice(),
            layout: layout_name(self.video.layout_for(self.members.len())),
            encoder: EncoderView {
                width,
                height,
                fps: config.clamped_fps(),
                bitrate: config.bitrate,
                frames: self.video.frames,
                keyframes: self.video.keyframes,
                active: self.members.values().any(|m| m.video_out.is_some()),
            },
            participants,
        }
    }
}

/// Applies an opened channel; true when it is a new video transmit channel.
fn open_channel(m: &mut Member, ch: &MediaChannel, now: Instant, seed: u64) -> bool {
    match (ch.direction, ch.codec) {
        (Direction::Transmit, Codec::Audio(_)) => {
            let (Some(law), Some(dest)) = (law_of(ch.codec), ch.rtp) else {
                return false;
            };
            m.audio.tx = Some(AudioOut {
                law,
                rtp: RtpOut::new(
                    seed,
                    law.payload_type(),
                    ClockRate::AUDIO_8K,
                    dest,
                    rtcp_of(ch, dest),
                ),
            });
            m.audio_tx_channel = Some(ch.number);
            false
        }
        (Direction::Receive, Codec::Audio(_)) => {
            if let Some(law) = law_of(ch.codec) {
                m.audio.rx.law = law;
            }
            m.audio_rx_rtcp = ch.remote_rtcp;
            false
        }
        (Direction::Transmit, Codec::Video(VideoCodec::H264 { .. })) => {
            let Some(dest) = ch.rtp else {
                return false;
            };
            m.video_out = Some(RtpOut::new(
                seed,
                ch.payload_type,
                ClockRate::VIDEO_90K,
                dest,
                rtcp_of(ch, dest),
            ));
            m.video_tx_channel = Some(ch.number);
            true
        }
        (Direction::Receive, Codec::Video(VideoCodec::H264 { .. })) => {
            m.video_in.channel = Some((ch.number, now));
            m.video_rx_rtcp = ch.remote_rtcp;
            false
        }
        // H.263 is declared in our capabilities for interoperability but not carried.
        (_, Codec::Video(VideoCodec::H263)) => false,
    }
}

fn close_channel(m: &mut Member, number: u16, direction: Direction) {
    match direction {
        Direction::Transmit => {
            if m.audio_tx_channel == Some(number) {
                m.audio.tx = None;
                m.audio_tx_channel = None;
            }
            if m.video_tx_channel == Some(number) {
                m.video_out = None;
                m.video_tx_channel = None;
            }
        }
        Direction::Receive => {
            if m.video_in.channel.is_some_and(|(n, _)| n == number) {
                m.video_in.channel = None;
                m.video_in.picture = None;
            }
        }
    }
}

/// Sends the member its audio and video RTCP (SR when we send on the stream, else RR, plus
/// SDES, and BYE when `bye`).
fn send_rtcp(m: &mut Member, now: Instant, bye: bool) {
    let ntp = NtpTime::from_system_time(SystemTime::now());
    let rr_ssrc = m.rr_ssrc;
    let audio_dest = m
        .audio
        .tx
        .as_ref()
        .map(|t| t.rtp.rtcp_dest)
        .or(m.audio_rx_rtcp);
    if let Some(dest) = audio_dest {
        let sender = m.audio.tx.as_ref().map(|t| (&t.rtp.stats, t.rtp.ssrc));
        let bytes = compound(now, ntp, rr_ssrc, sender, m.audio.rx.stats.as_mut(), bye);
        let _ = rtp_sockets::send_now(&m.sockets.audio_rtcp, &bytes, dest);
    }
    let video_dest = m
        .video_out
        .as_ref()
        .map(|t| t.rtcp_dest)
        .or(m.video_rx_rtcp);
    if let Some(dest) = video_dest {
        let sender = m.video_out.as_ref().map(|t| (&t.stats, t.ssrc));
        let bytes = compound(now, ntp, rr_ssrc, sender, m.video_in.stats.as_mut(), bye);
        let _ = rtp_sockets::send_now(&m.sockets.video_rtcp, &bytes, dest);
    }
}

fn compound(
    now: Instant,
    ntp: NtpTime,
    rr_ssrc: u32,
    sender: Option<(&SenderStats, u32)>,
    receiver: Option<&mut ReceiverStats>,
    bye: bool,
) -> Vec<u8> {
    // One SSRC per stream in SR, RR, SDES and BYE alike: the sending one once there is one.
    let ssrc = sender.map_or(rr_ssrc, |(_, s)| s);
    let sender = sender.map(|(s, _)| s);
    let receivers: &mut [ReceiverStats] = match receiver {
        Some(r) => std::slice::from_mut(r),
        None => &mut [],
    };
    let mut packets = report(now, ntp, ssrc, CNAME, sender, receivers);
    if bye {
        packets.push(RtcpPacket::Bye(Bye {
            sources: vec![ssrc],
            reason: None,
        }));
    }
    // Our own packets are well formed (at most one report block, short SDES).
    build_compound(&packets).unwrap_or_default()
}

fn figures(m: &Member) -> ParticipantFigures {
    let a = &m.audio;
    let audio = StreamFigures {
        packets_in: a.rx.packets,
        bytes_in: a.rx.bytes,
        packets_out: a
            .tx
            .as_ref()
            .map_or(0, |t| u64::from(t.rtp.stats.packets())),
        bytes_out: a.tx.as_ref().map_or(0, |t| t.rtp.bytes),
        lost: a.rx.stats.as_ref().map_or(0, |s| s.cumulative_lost()),
        jitter_ms: a.rx.jitter_ms(),
        ssrc_in: a.rx.stats.as_ref().map(|s| s.ssrc()),
        ssrc_out: a.tx.as_ref().map(|t| t.rtp.ssrc),
        payload_type_out: a.tx.as_ref().map(|t| t.rtp.payload_type),
    };
    let v = &m.video_in;
    let video = StreamFigures {
        packets_in: v.packets,
        bytes_in: v.bytes,
        packets_out: m
            .video_out
            .as_ref()
            .map_or(0, |t| u64::from(t.stats.packets())),
        bytes_out: m.video_out.as_ref().map_or(0, |t| t.bytes),
        lost: v.stats.as_ref().map_or(0, |s| s.cumulative_lost()),
        jitter_ms: v.jitter_ms(),
        ssrc_in: v.stats.as_ref().map(|s| s.ssrc()),
        ssrc_out: m.video_out.as_ref().map(|t| t.ssrc),
        payload_type_out: m.video_out.as_ref().map(|t| t.payload_type),
    };
    ParticipantFigures {
        audio,
        video,
        pictures_decoded: v.decoded,
        fast_updates_sent: v.fast_updates,
        fast_updates_received: m.fast_updates_received,
        pli_fir_received: m.pli_fir_received,
    }
}
