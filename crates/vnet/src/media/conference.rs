//! One VN conference's media task: it owns every leg of the conference (its terminals and its
//! cascades' legs to the gateway) and runs the conference on a 20 ms tick.
//!
//! - Audio: each leg's PCMU goes through a jitter buffer (`media::jitter`) and is decoded; each
//!   terminal gets the N−1 mix of all the others, terminals and cascades (`media::mixer`); each
//!   cascade gets the mix of the terminals only, so the MCU room hears the VN conference as one
//!   participant and two cascades do not hear each other through us.
//! - Video is never decoded. The first cascade's H.264 (the MCU room's composite) is forwarded
//!   to every terminal, rewritten onto each terminal's own SSRC/sequence/timestamp; later
//!   cascades' video is not shown (one composite per terminal). Up to every cascade goes the
//!   active speaker's video: the terminal whose audio was loudest over about a second, switched
//!   with a PLI to the new speaker so the MCU gets an IDR to start from.
//! - Intra requests: a terminal's PLI/FIR (and a new terminal joining) becomes a PLI to the
//!   first cascade's gateway leg; a cascade's PLI/FIR becomes a PLI to the active speaker.
//! - RTCP: per stream every ~5 s an SR (an RR if we sent nothing), with a report block on
//!   what the leg sends us (RFC 3550 reception statistics, `media::stats`), and a BYE when a
//!   leg leaves or the task stops.
//! - Terminals leave without being told to (RFC 3550 6.3.4, 6.3.5): one that sent nothing, RTP
//!   or RTCP, for [`Liveness::timeout`], or that sent an RTCP BYE for its audio and was not
//!   removed through the API within [`BYE_GRACE`] (a terminal that says BYE and then `DELETE`s
//!   itself gets its `204`), is dropped and [`Liveness::gone`] is told. Cascade legs end with
//!   their gateway call instead.
//!
//! Sockets are read by one small task per socket that passes datagrams to this task over a
//! channel: the set of legs changes while the conference runs, and `select!` needs a fixed set.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use media::g711::Law;
use media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
use media::mixer::{Frame, Mixer, FRAME_SAMPLES};
use media::rtcp::{self, Bye, NtpTime, Pli, ReceiverReport, RtcpPacket};
use media::rtp::{ClockRate, Rewriter, RtpPacket, PT_PCMU};
use media::stats::{ReceiverStats, SenderStats};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::sockets::LegSockets;
use super::{MediaAddresses, PT_H264};

/// Smoothing of the speaker level: 1/50 per 20 ms tick, a time constant of about one second.
const LEVEL_ALPHA: f64 = 1.0 / 50.0;
/// A new speaker must be this much louder than the current one (hysteresis).
const SWITCH_RATIO: f64 = 2.0;
/// Below this mean absolute sample value a terminal is not speaking.
const SPEAKING_LEVEL: f64 = 50.0;
const RTCP_INTERVAL: Duration = Duration::from_secs(5);

/// Who a leg is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Who {
    /// A terminal, by id.
    Terminal(u64),
    /// A cascade's gateway leg, by cascade id.
    Cascade(i64),
}

/// How the task decides that a terminal has left, and whom it tells.
pub struct Liveness {
    /// Silence after which a terminal is dropped.
    pub timeout: Duration,
    /// Called with the id of a terminal the task dropped on its own.
    pub gone: Box<dyn Fn(u64) + Send>,
}

/// How often silent terminals are looked for, in 20 ms ticks.
const LIVENESS_TICKS: u32 = 50;
/// How long a terminal that said BYE stays, so that its own `DELETE` still finds it.
pub const BYE_GRACE: Duration = Duration::from_secs(2);

/// Commands to the task.
#[derive(Debug)]
pub enum Cmd {
    /// A leg joins: where it receives (`peer`; absent fields are learnt from what it sends).
    Add {
        /// The leg.
        who: Who,
        /// Our sockets for it.
        sockets: Arc<LegSockets>,
        /// Its receive addresses.
        peer: MediaAddresses,
    },
    /// A leg leaves.
    Remove(Who),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chan {
    AudioRtp,
    AudioRtcp,
    VideoRtp,
    VideoRtcp,
}

struct Inbound {
    who: Who,
    chan: Chan,
    from: SocketAddr,
    data: Vec<u8>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Peer {
    audio_rtp: Option<SocketAddr>,
    audio_rtcp: Option<SocketAddr>,
    video_rtp: Option<SocketAddr>,
    video_rtcp: Option<SocketAddr>,
}

struct Leg {
    sockets: Arc<LegSockets>,
    peer: Peer,
    readers: Vec<JoinHandle<()>>,
    jitter: JitterBuffer<Vec<u8>>,
    audio_ssrc: u32,
    audio_seq: u16,
    audio_ts: u32,
    audio_tx: SenderStats,
    video: Rewriter,
    video_tx: SenderStats,
    /// SSRC of the video this leg sends us.
    video_source: Option<u32>,
    /// Reception statistics of the audio and video this leg sends us, for our report blocks.
    audio_rx: Option<ReceiverStats>,
    video_rx: Option<ReceiverStats>,
    /// When anything last arrived from it (or when it joined).
    last_heard: Instant,
    /// When it sent an RTCP BYE for its audio.
    said_bye: Option<Instant>,
    level: f64,
}

impl Drop for Leg {
    fn drop(&mut self) {
        for r in &self.readers {
            r.abort();
        }
    }
}

fn spawn_reader(
    who: Who,
    chan: Chan,
    sockets: Arc<LegSockets>,
    tx: mpsc::Sender<Inbound>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let sock = match chan {
            Chan::AudioRtp => &sockets.audio_rtp,
            Chan::AudioRtcp => &sockets.audio_rtcp,
            Chan::VideoRtp => &sockets.video_rtp,
            Chan::VideoRtcp => &sockets.video_rtcp,
        };
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = sock.recv_from(&mut buf).await {
            let data = buf[..n].to_vec();
            // A full channel drops the datagram, like a full socket buffer would.
            if tx
                .try_send(Inbound {
                    who,
                    chan,
                    from,
                    data,
                })
                .is_err()
                && tx.is_closed()
            {
                return;
            }
        }
    })
}

/// SplitMix64 for SSRCs and initial sequence numbers.
fn mix(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Conference {
    cname: String,
    legs: BTreeMap<Who, Leg>,
    seed: u64,
    mixer: Mixer,
    speaker: Option<u64>,
    inbound: mpsc::Sender<Inbound>,
    liveness: Liveness,
    ticks: u32,
}

/// Runs the conference until `commands` closes.
pub async fn run(
    conference_id: i64,
    seed: u64,
    mut commands: mpsc::UnboundedReceiver<Cmd>,
    liveness: Liveness,
) {
    let (inbound_tx, mut inbound) = mpsc::channel::<Inbound>(1024);
    let mut c = Conference {
        cname: format!("vnet-conference-{conference_id}"),
        legs: BTreeMap::new(),
        seed,
        mixer: Mixer::new(),
        speaker: None,
        inbound: inbound_tx,
        liveness,
        ticks: 0,
    };
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut reports = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        RTCP_INTERVAL,
    );
    loop {
        tokio::select! {
            cmd = commands.recv() => match cmd {
                Some(Cmd::Add { who, sockets, peer }) => c.add(who, sockets, peer),
                Some(Cmd::Remove(who)) => c.remove(who),
                None => break,
            },
            Some(p) = inbound.recv() => c.on_inbound(p),
            _ = tick.tick() => {
                c.on_tick();
                c.ticks = c.ticks.wrapping_add(1);
                if c.ticks.is_multiple_of(LIVENESS_TICKS) {
                    c.expire(Instant::now());
                }
            }
            _ = reports.tick() => {
                for leg in c.legs.values_mut() {
                    send_reports(leg, &c.cname, None);
                }
            }
        }
    }
    let whos: Vec<Who> = c.legs.keys().copied().collect();
    for who in whos {
        c.remove(who);
    }
}

fn peer_of(m: &MediaAddresses) -> Peer {
    Peer {
        audio_rtp: m.audio.map(|a| a.rtp),
        audio_rtcp: m.audio.map(|a| a.rtcp_or_next()),
        video_rtp: m.video.map(|a| a.rtp),
        video_rtcp: m.video.map(|a| a.rtcp_or_next()),
    }
}

impl Conference {
    fn first_cascade(&self) -> Option<Who> {
        self.legs
            .keys()
            .find(|w| matches!(w, Who::Cascade(_)))
            .copied()
    }

    fn add(&mut self, who: Who, sockets: Arc<LegSockets>, peer: MediaAddresses) {
        let r = mix(&mut self.seed);
        let v = mix(&mut self.seed);
        let readers = [
            Chan::AudioRtp,
            Chan::AudioRtcp,
            Chan::VideoRtp,
            Chan::VideoRtcp,
        ]
        .into_iter()
        .map(|chan| spawn_reader(who, chan, sockets.clone(), self.inbound.clone()))
        .collect();
        let leg = Leg {
            sockets,
            peer: peer_of(&peer),
            readers,
            jitter: JitterBuffer::new(JitterConfig::audio_8k_20ms()),
            audio_ssrc: r as u32,
            audio_seq: (r >> 32) as u16,
            audio_ts: (r >> 48) as u32,
            audio_tx: SenderStats::new(r as u32, ClockRate::AUDIO_8K),
            video: Rewriter::new(
                v as u32,
                ClockRate::VIDEO_90K,
                (v >> 32) as u16,
                (v >> 40) as u32,
            ),
            video_tx: SenderStats::new(v as u32, ClockRate::VIDEO_90K),
            video_source: None,
            audio_rx: None,
            video_rx: None,
            last_heard: Instant::now(),
            said_bye: None,
            level: 0.0,
        };
        self.legs.insert(who, leg);
        match who {
            // The newcomer needs an intra picture of the room's video to start from.
            Who::Terminal(_) => {
                if let Some(k) = self.first_cascade() {
                    self.pli(k);
                }
            }
            // The MCU needs an intra picture of the speaker's video to start from.
            Who::Cascade(_) => {
                if let Some(t) = self.speaker {
                    self.pli(Who::Terminal(t));
                }
            }
        }
    }

    fn remove(&mut self, who: Who) {
        self.remove_saying(who, "left the conference");
    }

    fn remove_saying(&mut self, who: Who, reason: &str) {
        if let Some(mut leg) = self.legs.remove(&who) {
            send_reports(&mut leg, &self.cname, Some(reason));
        }
        if matches!(who, Who::Terminal(t) if Some(t) == self.speaker) {
            self.speaker = None;
        }
    }

    /// Drops the terminals silent for longer than the timeout, and those that said BYE more
    /// than [`BYE_GRACE`] ago.
    fn expire(&mut self, now: Instant) {
        let since = |t: Instant| now.saturating_duration_since(t);
        let gone: Vec<(u64, &'static str)> = self
            .legs
            .iter()
            .filter_map(|(who, leg)| {
                let Who::Terminal(t) = who else { return None };
                if leg.said_bye.is_some_and(|b| since(b) >= BYE_GRACE) {
                    Some((*t, "goodbye"))
                } else if since(leg.last_heard) > self.liveness.timeout {
                    Some((*t, "timed out"))
                } else {
                    None
                }
            })
            .collect();
        for (t, reason) in gone {
            tracing::info!(terminal = t, reason, "terminal left without being removed");
            self.remove_saying(Who::Terminal(t), reason);
            (self.liveness.gone)(t);
        }
    }

    /// Sends a PLI to `who` about the video it sends us.
    fn pli(&self, who: Who) {
        let Some(leg) = self.legs.get(&who) else {
            return;
        };
        let Some(to) = leg.peer.video_rtcp else {
            return;
        };
        let sender = leg.video.ssrc();
        let packets = [
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: sender,
                reports: Vec::new(),
            }),
            RtcpPacket::Pli(Pli {
                sender_ssrc: sender,
                media_ssrc: leg.video_source.unwrap_or(0),
            }),
        ];
        if let Ok(bytes) = rtcp::build_compound(&packets) {
            let _ = rtp_sockets::send_now(&leg.sockets.video_rtcp, &bytes, to);
        }
    }

    fn on_inbound(&mut self, p: Inbound) {
        let Some(leg) = self.legs.get_mut(&p.who) else {
            return;
        };
        let now = Instant::now();
        leg.last_heard = now;
        // Symmetric RTP: a leg that gave no address is answered where it sends from.
        let learn = |slot: &mut Option<SocketAddr>| {
            slot.get_or_insert(p.from);
        };
        match p.chan {
            Chan::AudioRtp => {
                learn(&mut leg.peer.audio_rtp);
                let Ok(rtp) = RtpPacket::parse(&p.data) else {
                    return;
                };
                if rtp.payload_type != PT_PCMU {
                    return;
                }
                ReceiverStats::for_source(&mut leg.audio_rx, rtp.ssrc, ClockRate::AUDIO_8K)
                    .on_packet(now, rtp.sequence, rtp.timestamp);
                leg.jitter.push(
                    now,
                    Packet {
                        sequence: rtp.sequence,
                        timestamp: rtp.timestamp,
                        marker: rtp.marker,
                        payload: rtp.payload.to_vec(),
                    },
                );
            }
            Chan::VideoRtp => {
                learn(&mut leg.peer.video_rtp);
                let Ok(rtp) = RtpPacket::parse(&p.data) else {
                    return;
                };
                if rtp.payload_type != PT_H264 {
                    return;
                }
                ReceiverStats::for_source(&mut leg.video_rx, rtp.ssrc, ClockRate::VIDEO_90K)
                    .on_packet(now, rtp.sequence, rtp.timestamp);
                leg.video_source = Some(rtp.ssrc);
                self.forward_video(p.who, p.data, now);
            }
            Chan::AudioRtcp => {
                learn(&mut leg.peer.audio_rtcp);
                let ps = rtcp::parse_compound(&p.data).unwrap_or_default();
                sender_reports(&mut leg.audio_rx, &ps, now);
                // A BYE for the audio it sends (or any, before it sent audio) means it left.
                let source = leg.audio_rx.as_ref().map(ReceiverStats::ssrc);
                let bye = ps.iter().any(|x| {
                    matches!(x, RtcpPacket::Bye(b)
                        if source.is_none_or(|s| b.sources.contains(&s)))
                });
                if bye {
                    leg.said_bye.get_or_insert(now);
                }
            }
            Chan::VideoRtcp => {
                learn(&mut leg.peer.video_rtcp);
                let ps = rtcp::parse_compound(&p.data).unwrap_or_default();
                sender_reports(&mut leg.video_rx, &ps, now);
                let intra = ps
                    .iter()
                    .any(|x| matches!(x, RtcpPacket::Pli(_) | RtcpPacket::Fir(_)));
                if intra {
                    match p.who {
                        Who::Terminal(_) => {
                            if let Some(k) = self.first_cascade() {
                                self.pli(k);
                            }
                        }
                        Who::Cascade(_) => {
                            if let Some(t) = self.speaker {
                                self.pli(Who::Terminal(t));
                            }
                        }
                    }
                }
            }
        }
    }

    /// The first cascade's video goes to every terminal; the active speaker's to every cascade.
    fn forward_video(&mut self, from: Who, data: Vec<u8>, now: Instant) {
        let targets: Vec<Who> = match from {
            Who::Cascade(_) if Some(from) == self.first_cascade() => self
                .legs
                .keys()
                .filter(|w| matches!(w, Who::Terminal(_)))
                .copied()
                .collect(),
            Who::Terminal(t) if self.speaker == Some(t) => self
                .legs
                .keys()
                .filter(|w| matches!(w, Who::Cascade(_)))
                .copied()
                .collect(),
            _ => return,
        };
        let mut buf = data;
        for who in targets {
            let Some(leg) = self.legs.get_mut(&who) else {
                continue;
            };
            let Some(to) = leg.peer.video_rtp else {
                continue;
            };
            if let Ok(out) = leg.video.rewrite_in_place(now, &mut buf) {
                let payload = RtpPacket::parse(&buf).map_or(0, |p| p.payload.len());
                leg.video_tx.on_sent(now, out.timestamp, payload);
                let _ = rtp_sockets::send_now(&leg.sockets.video_rtp, &buf, to);
            }
        }
    }

    fn on_tick(&mut self) {
        let now = Instant::now();
        let whos: Vec<Who> = self.legs.keys().copied().collect();
        let mut frames: Vec<Option<Frame>> = Vec::with_capacity(whos.len());
        for who in &whos {
            let leg = self.legs.get_mut(who).expect("listed leg");
            let frame = match leg.jitter.pop(now) {
                Some(Playout::Frame(p)) if p.payload.len() == FRAME_SAMPLES => {
                    let mut f = [0i16; FRAME_SAMPLES];
                    Law::Ulaw.decode(&p.payload, &mut f);
                    Some(f)
                }
                _ => None,
            };
            let energy = frame.map_or(0.0, |f| {
                f.iter().map(|s| f64::from(s.unsigned_abs())).sum::<f64>() / FRAME_SAMPLES as f64
            });
            leg.level += LEVEL_ALPHA * (energy - leg.level);
            frames.push(frame);
        }
        self.pick_speaker();

        // Terminals hear everyone but themselves; cascades hear the terminals only.
        let inputs: Vec<Option<&Frame>> = frames.iter().map(Option::as_ref).collect();
        let mut outs = vec![[0i16; FRAME_SAMPLES]; whos.len()];
        self.mixer.mix_minus(&inputs, &mut outs);
        let terminal_inputs: Vec<Option<&Frame>> = whos
            .iter()
            .zip(&frames)
            .map(|(w, f)| f.as_ref().filter(|_| matches!(w, Who::Terminal(_))))
            .collect();
        let mut terminals_mix = [0i16; FRAME_SAMPLES];
        self.mixer.mix_all(&terminal_inputs, &mut terminals_mix);
        let mut code = [0u8; FRAME_SAMPLES];
        for (i, who) in whos.iter().enumerate() {
            let pcm = match who {
                Who::Terminal(_) => &outs[i],
                Who::Cascade(_) => &terminals_mix,
            };
            Law::Ulaw.encode(pcm, &mut code);
            let leg = self.legs.get_mut(who).expect("listed leg");
            let seq = leg.audio_seq;
            let ts = leg.audio_ts;
            leg.audio_seq = seq.wrapping_add(1);
            leg.audio_ts = ts.wrapping_add(FRAME_SAMPLES as u32);
            let Some(to) = leg.peer.audio_rtp else {
                continue;
            };
            let mut p = RtpPacket::new(PT_PCMU, seq, ts, leg.audio_ssrc);
            p.payload = &code;
            if let Ok(bytes) = p.to_vec() {
                leg.audio_tx.on_sent(now, ts, FRAME_SAMPLES);
                let _ = rtp_sockets::send_now(&leg.sockets.audio_rtp, &bytes, to);
            }
        }
    }

    /// The loudest terminal over the last second becomes the speaker when it is clearly louder
    /// than the current one; the new speaker is asked for an intra picture.
    fn pick_speaker(&mut self) {
        let loudest = self
            .legs
            .iter()
            .filter_map(|(w, l)| match w {
                Who::Terminal(t) if l.level > SPEAKING_LEVEL => Some((*t, l.level)),
                _ => None,
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let Some((t, level)) = loudest else { return };
        let current = self
            .speaker
            .and_then(|s| self.legs.get(&Who::Terminal(s)))
            .map_or(0.0, |l| l.level);
        if self.speaker != Some(t) && (self.speaker.is_none() || level > SWITCH_RATIO * current) {
            tracing::debug!(terminal = t, "active speaker");
            self.speaker = Some(t);
            self.pli(Who::Terminal(t));
        }
    }
}

/// Notes the SR of the source `slot` follows (for the LSR and DLSR of our report blocks).
fn sender_reports(slot: &mut Option<ReceiverStats>, packets: &[RtcpPacket], now: Instant) {
    let Some(s) = slot else { return };
    for p in packets {
        if let RtcpPacket::SenderReport(sr) = p {
            s.on_sender_report(now, sr);
        }
    }
}

/// SR (RR if we sent nothing) with a report block on what the leg sends us, and SDES, for each
/// stream of the leg with traffic either way; plus a BYE when `bye` gives a reason.
fn send_reports(leg: &mut Leg, cname: &str, bye: Option<&str>) {
    let now = Instant::now();
    let ntp = NtpTime::from_system_time(SystemTime::now());
    let video_ssrc = leg.video.ssrc();
    let streams = [
        (
            &leg.audio_tx,
            leg.audio_ssrc,
            &leg.sockets.audio_rtcp,
            leg.peer.audio_rtcp,
            &mut leg.audio_rx,
        ),
        (
            &leg.video_tx,
            video_ssrc,
            &leg.sockets.video_rtcp,
            leg.peer.video_rtcp,
            &mut leg.video_rx,
        ),
    ];
    for (tx, ssrc, sock, to, rx) in streams {
        let Some(to) = to else { continue };
        // A stream we neither sent nor received on has nothing to report.
        if !tx.has_sent() && rx.is_none() {
            continue;
        }
        let receivers = match rx {
            Some(r) => std::slice::from_mut(r),
            None => &mut [],
        };
        let mut packets = media::stats::report(now, ntp, ssrc, cname, Some(tx), receivers);
        if let Some(reason) = bye {
            packets.push(RtcpPacket::Bye(Bye {
                sources: vec![ssrc],
                reason: Some(reason.as_bytes().to_vec()),
            }));
        }
        if let Ok(bytes) = rtcp::build_compound(&packets) {
            let _ = rtp_sockets::send_now(sock, &bytes, to);
        }
    }
}
