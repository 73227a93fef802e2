//! Finds the H.323 signalling in a stream of packets: keeps one [`Reassembler`] and TPKT
//! deframer per TCP direction, decides per connection whether it carries call signalling or
//! H.245, decodes RAS datagrams, and turns each message into a ladder [`Message`].
//!
//! How a TCP connection is recognised:
//! - call signalling: port 1720 or 1721 on either side, or any TPKT frame holding a Q.931 message
//!   (discriminator 0x08) with an H.225.0 user-user element (discriminator 0x05) that decodes;
//! - H.245: an endpoint some H.225.0 message announced in `h245Address`, or any TPKT frame that
//!   decodes completely as a `MultimediaSystemControlMessage`.
//!
//! A UDP datagram is RAS when a port is 1718/1719 or when it decodes completely as a
//! `RasMessage`. On a connection or port known to be H.323, frames that do not decode are listed
//! as `malformed`; elsewhere undecodable traffic is not H.323 and is left out.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;

use super::h225::{decode_ras, decode_user_information, describe_cs, describe_ras};
use super::h245;
use h323::q931::{self, InformationElement, MessageType};
use h323::tpkt::Deframer;

use super::model::{Message, Protocol};
use super::packet::{Packet, Transport};
use super::tcp::{Delivery, Reassembler};

/// What a conversation turned out to carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Nothing recognised yet.
    Unknown,
    /// H.225.0 call signalling.
    CallSignalling,
    /// H.245 on its own connection.
    H245,
    /// H.225.0 RAS.
    Ras,
}

/// A TCP connection or a UDP address pair, as the ladder's headers describe it.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// TCP (true) or UDP.
    pub tcp: bool,
    /// The endpoint that sent first.
    pub a: SocketAddr,
    /// The other endpoint.
    pub b: SocketAddr,
    /// What it carries.
    pub kind: Kind,
    /// The frame whose h245Address announced this H.245 connection.
    pub announced_in: Option<u64>,
}

#[derive(Debug, Default)]
struct Direction {
    tcp: Reassembler,
    tpkt: Deframer,
    /// True once the stream is known to be at a TPKT frame boundary.
    synced: bool,
    /// Frame and time of the last segment seen, for messages completed at end of capture.
    last: (u64, i64),
}

#[derive(Debug)]
struct Connection {
    conversation: usize,
    dirs: [Direction; 2],
}

/// Everything a frame's handling may change besides the connection it belongs to.
#[derive(Debug, Default)]
struct Shared {
    conversations: Vec<Conversation>,
    /// Endpoints announced in h245Address, with the announcing frame.
    announced: HashMap<SocketAddr, u64>,
    /// The same by port alone: captures sanitised by rewriting addresses, and NAT, change the
    /// IP in the packet headers but not the one inside H.225.0.
    announced_ports: HashMap<u16, u64>,
    out: Vec<Message>,
}

/// The packet-to-ladder decoder. Feed packets in capture order, then call [`Dissector::finish`].
#[derive(Debug, Default)]
pub struct Dissector {
    tcp: HashMap<(SocketAddr, SocketAddr), Connection>,
    udp: HashMap<(SocketAddr, SocketAddr), usize>,
    ras_ports_seen: HashSet<(SocketAddr, SocketAddr)>,
    shared: Shared,
}

fn ordered(a: SocketAddr, b: SocketAddr) -> ((SocketAddr, SocketAddr), usize) {
    if a <= b {
        ((a, b), 0)
    } else {
        ((b, a), 1)
    }
}

fn is_port(p: &Packet<'_>, ports: &[u16]) -> bool {
    ports.contains(&p.src.port()) || ports.contains(&p.dst.port())
}

impl Dissector {
    /// A decoder that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Handles one packet of frame `frame` captured at `time_ns`.
    pub fn packet(&mut self, frame: u64, time_ns: i64, p: &Packet<'_>) {
        match p.transport {
            Transport::Tcp {
                seq, syn, payload, ..
            } => self.tcp_segment(frame, time_ns, p, seq, syn, payload),
            Transport::Udp { payload } => self.udp_datagram(frame, time_ns, p, payload),
        }
    }

    fn tcp_segment(
        &mut self,
        frame: u64,
        time_ns: i64,
        p: &Packet<'_>,
        seq: u32,
        syn: bool,
        payload: &[u8],
    ) {
        let (key, idx) = ordered(p.src, p.dst);
        let shared = &mut self.shared;
        let conn = self.tcp.entry(key).or_insert_with(|| {
            let kind = if is_port(p, &[1720, 1721]) {
                Kind::CallSignalling
            } else {
                Kind::Unknown
            };
            shared.conversations.push(Conversation {
                tcp: true,
                a: p.src,
                b: p.dst,
                kind,
                announced_in: None,
            });
            Connection {
                conversation: shared.conversations.len() - 1,
                dirs: Default::default(),
            }
        });
        let conv = conn.conversation;
        let dir = &mut conn.dirs[idx];
        dir.last = (frame, time_ns);
        for d in dir.tcp.push(seq, syn, payload) {
            let ctx = Ctx {
                frame,
                time_ns,
                src: p.src,
                dst: p.dst,
                conversation: conv,
            };
            shared.delivery(dir, &ctx, d);
        }
    }

    fn udp_datagram(&mut self, frame: u64, time_ns: i64, p: &Packet<'_>, payload: &[u8]) {
        let (key, _) = ordered(p.src, p.dst);
        let standard = is_port(p, &[1718, 1719]);
        let known = standard || self.ras_ports_seen.contains(&key);
        let decoded = decode_ras(payload, !known);
        if decoded.is_err() && !known {
            return;
        }
        self.ras_ports_seen.insert(key);
        let shared = &mut self.shared;
        let conversation = *self.udp.entry(key).or_insert_with(|| {
            shared.conversations.push(Conversation {
                tcp: false,
                a: p.src,
                b: p.dst,
                kind: Kind::Ras,
                announced_in: None,
            });
            shared.conversations.len() - 1
        });
        let mut m = Message::new(
            frame,
            time_ns,
            p.src,
            p.dst,
            false,
            Protocol::Ras,
            conversation,
        );
        match decoded {
            Ok(ras) => describe_ras(&mut m, &ras),
            Err(e) => m = m.malformed(e),
        }
        shared.out.push(m);
    }

    /// Ends the capture: decodes data stranded behind lost segments and lists TPKT frames the
    /// capture cut off. Returns the ladder in capture order and the conversations it refers to.
    pub fn finish(mut self) -> (Vec<Message>, Vec<Conversation>) {
        let mut keys: Vec<_> = self.tcp.keys().copied().collect();
        keys.sort();
        for key in keys {
            let Some(conn) = self.tcp.get_mut(&key) else {
                continue;
            };
            let conv = conn.conversation;
            for (idx, dir) in conn.dirs.iter_mut().enumerate() {
                let (src, dst) = if idx == 0 { key } else { (key.1, key.0) };
                let ctx = Ctx {
                    frame: dir.last.0,
                    time_ns: dir.last.1,
                    src,
                    dst,
                    conversation: conv,
                };
                for d in dir.tcp.flush() {
                    self.shared.delivery(dir, &ctx, d);
                }
                self.shared.cut_off(dir, &ctx);
            }
        }
        let mut out = self.shared.out;
        // Stranded data is attributed to the last frame of its direction: keep the ladder in
        // frame order (stable, so messages of one frame keep their order).
        out.sort_by_key(|m| m.frame);
        (out, self.shared.conversations)
    }
}

/// Where a TPKT frame came from.
struct Ctx {
    frame: u64,
    time_ns: i64,
    src: SocketAddr,
    dst: SocketAddr,
    conversation: usize,
}

impl Ctx {
    fn message(&self, protocol: Protocol) -> Message {
        Message::new(
            self.frame,
            self.time_ns,
            self.src,
            self.dst,
            true,
            protocol,
            self.conversation,
        )
    }
}

impl Shared {
    fn kind(&self, conv: usize) -> Kind {
        self.conversations[conv].kind
    }

    fn set_kind(&mut self, conv: usize, kind: Kind) {
        let c = &mut self.conversations[conv];
        if c.kind == Kind::Unknown {
            c.kind = kind;
        }
    }

    fn delivery(&mut self, dir: &mut Direction, ctx: &Ctx, d: Delivery) {
        match d {
            Delivery::Restart | Delivery::Gap(_) => {
                if let Delivery::Gap(n) = d {
                    if dir.synced
                        && dir.tpkt.buffered() > 0
                        && self.kind(ctx.conversation) != Kind::Unknown
                    {
                        let m = self.lost_frame(
                            ctx,
                            format!(
                                "{} bytes of a TPKT frame, then {n} bytes missing from the capture",
                                dir.tpkt.buffered()
                            ),
                        );
                        self.out.push(m);
                    }
                }
                dir.tpkt = Deframer::new();
                dir.synced = false;
            }
            Delivery::Data(bytes) => self.stream_bytes(dir, ctx, &bytes),
        }
    }

    fn lost_frame(&self, ctx: &Ctx, why: String) -> Message {
        let protocol = match self.kind(ctx.conversation) {
            Kind::H245 => Protocol::H245,
            _ => Protocol::H225,
        };
        ctx.message(protocol).malformed(why)
    }

    fn cut_off(&mut self, dir: &mut Direction, ctx: &Ctx) {
        if dir.synced && dir.tpkt.buffered() > 0 && self.kind(ctx.conversation) != Kind::Unknown {
            let why = format!(
                "capture ends inside a TPKT frame ({} bytes of it captured)",
                dir.tpkt.buffered()
            );
            let m = self.lost_frame(ctx, why);
            self.out.push(m);
        }
        dir.tpkt = Deframer::new();
    }

    fn stream_bytes(&mut self, dir: &mut Direction, ctx: &Ctx, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if !dir.synced {
            // Only a segment starting with a TPKT header can (re)start framing; the stream may
            // have begun before the capture did.
            if bytes[0] != 3 || bytes.get(1).is_some_and(|b| *b != 0) {
                return;
            }
            dir.synced = true;
        }
        dir.tpkt.push(bytes);
        loop {
            match dir.tpkt.next_frame() {
                Ok(Some(payload)) => self.tpkt_payload(ctx, &payload),
                Ok(None) => break,
                Err(e) => {
                    if self.kind(ctx.conversation) != Kind::Unknown {
                        let m = self.lost_frame(ctx, format!("TPKT framing lost: {e}"));
                        self.out.push(m);
                    }
                    // The shared deframer's errors are sticky: start afresh at the next segment
                    // that begins with a TPKT header.
                    dir.tpkt = Deframer::new();
                    dir.synced = false;
                    break;
                }
            }
        }
    }

    fn tpkt_payload(&mut self, ctx: &Ctx, payload: &[u8]) {
        let conv = ctx.conversation;
        if self.kind(conv) == Kind::Unknown {
            let announced = [ctx.src, ctx.dst]
                .iter()
                .find_map(|a| self.announced.get(a).copied())
                .or_else(|| {
                    [ctx.src.port(), ctx.dst.port()]
                        .iter()
                        .find_map(|p| self.announced_ports.get(p).copied())
                });
            if let Some(f) = announced {
                self.set_kind(conv, Kind::H245);
                self.conversations[conv].announced_in = Some(f);
            }
        }
        match self.kind(conv) {
            Kind::H245 => {
                let mut m = ctx.message(Protocol::H245);
                match h245::decode(payload) {
                    Ok(msg) => h245::describe(&mut m, &msg),
                    Err(e) => m = m.malformed(e),
                }
                self.out.push(m);
            }
            kind => {
                let q931 = q931::Message::decode(payload);
                let with_uu = match &q931 {
                    Ok(q) => match q.ie(q931::id::USER_USER) {
                        Some(InformationElement::UserUser(uu))
                            if uu.protocol_discriminator == q931::UserUser::X208 =>
                        {
                            Some(uu.data.as_slice())
                        }
                        _ => None,
                    },
                    Err(_) => None,
                };
                if let (Ok(q), Some(uu)) = (&q931, with_uu) {
                    match decode_user_information(uu) {
                        Ok(ui) => {
                            self.set_kind(conv, Kind::CallSignalling);
                            self.call_signalling(ctx, q, &ui);
                            return;
                        }
                        Err(e)
                            if kind == Kind::CallSignalling || h245::decode(payload).is_err() =>
                        {
                            let mut m = ctx.message(Protocol::H225);
                            q931_fields(&mut m, q);
                            self.out.push(m.malformed(e));
                            return;
                        }
                        Err(_) => {} // an H.245 message that happens to parse as Q.931
                    }
                }
                if let Ok(msg) = h245::decode(payload) {
                    if kind == Kind::Unknown {
                        self.set_kind(conv, Kind::H245);
                    }
                    let mut m = ctx.message(Protocol::H245);
                    h245::describe(&mut m, &msg);
                    self.out.push(m);
                    return;
                }
                let m = match (&q931, kind) {
                    (Ok(q), Kind::CallSignalling) => {
                        // Q.931 without an H.225.0 user-user element.
                        let mut m = ctx.message(Protocol::Q931);
                        q931_fields(&mut m, q);
                        m.message = m.q931.clone().unwrap_or_default();
                        m.error = Some("no H.225.0 user-user information element".into());
                        m
                    }
                    (Err(e), Kind::CallSignalling) => {
                        ctx.message(Protocol::H225).malformed(e.to_string())
                    }
                    _ => {
                        let mut m = ctx.message(Protocol::Tpkt);
                        m.message = "unknown".into();
                        m.error = Some(format!(
                            "{}-byte TPKT payload is neither H.225.0 nor H.245",
                            payload.len()
                        ));
                        m
                    }
                };
                self.out.push(m);
            }
        }
    }

    fn call_signalling(&mut self, ctx: &Ctx, q: &q931::Message, ui: &h323::h225::UserInfo) {
        let mut m = ctx.message(Protocol::H225);
        q931_fields(&mut m, q);
        let extras = describe_cs(&mut m, ui);
        if let Some(a) = extras.h245_address {
            self.announced.entry(a).or_insert(ctx.frame);
            self.announced_ports.entry(a.port()).or_insert(ctx.frame);
        }
        self.out.push(m);
        for bytes in extras.h245_control {
            let mut t = ctx.message(Protocol::H245);
            t.tunnelled = true;
            match h245::decode(&bytes) {
                Ok(msg) => h245::describe(&mut t, &msg),
                Err(e) => t = t.malformed(e),
            }
            self.out.push(t);
        }
    }
}

fn q931_fields(m: &mut Message, q: &q931::Message) {
    m.q931 = Some(q931_type_name(q.message_type));
    m.called = q
        .called_party_number()
        .map(|n| n.digits.clone())
        .filter(|s| !s.is_empty());
    m.calling = q
        .calling_party_number()
        .map(|n| n.digits.clone())
        .filter(|s| !s.is_empty());
    m.cause = q.cause().map(|c| c.value.code());
    // Some endpoints NUL-terminate the Display text, some send it empty.
    if let Some(d) = q.display() {
        let d = d.trim_end_matches('\0').to_string();
        if !d.is_empty() {
            m.detail("display", d);
        }
    }
}

/// The message type as Q.931 (4.4, Table 4-2) spells it.
fn q931_type_name(t: MessageType) -> String {
    let name = match t {
        MessageType::Alerting => "ALERTING",
        MessageType::CallProceeding => "CALL PROCEEDING",
        MessageType::Progress => "PROGRESS",
        MessageType::Setup => "SETUP",
        MessageType::Connect => "CONNECT",
        MessageType::SetupAcknowledge => "SETUP ACKNOWLEDGE",
        MessageType::ReleaseComplete => "RELEASE COMPLETE",
        MessageType::Facility => "FACILITY",
        MessageType::Notify => "NOTIFY",
        MessageType::StatusEnquiry => "STATUS ENQUIRY",
        MessageType::Information => "INFORMATION",
        MessageType::Status => "STATUS",
        MessageType::Unknown(0x0f) => "CONNECT ACKNOWLEDGE",
        MessageType::Unknown(0x20) => "USER INFORMATION",
        MessageType::Unknown(0x45) => "DISCONNECT",
        MessageType::Unknown(0x46) => "RESTART",
        MessageType::Unknown(0x4d) => "RELEASE",
        MessageType::Unknown(0x4e) => "RESTART ACKNOWLEDGE",
        MessageType::Unknown(0x79) => "CONGESTION CONTROL",
        other => return format!("0x{:02x}", other.code()),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded noise on the H.323 ports and elsewhere, in TPKT frames and bare: never a panic,
    /// and on unknown ports nothing is listed unless it decodes.
    #[test]
    fn noise_never_panics() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut d = Dissector::new();
        let ports = [1720u16, 1719, 1718, 5000, 43826];
        for frame in 1..3000u64 {
            let len = (next() % 200) as usize;
            let mut payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if next() % 3 == 0 && payload.len() >= 4 {
                payload[0] = 3;
                payload[1] = 0;
                let l = (next() % 300) as u16;
                payload[2..4].copy_from_slice(&l.to_be_bytes());
                if payload.len() > 4 && next() % 2 == 0 {
                    payload[4] = 8;
                }
            }
            let sport = ports[(next() % 5) as usize];
            let src: SocketAddr = ([10, 0, 0, 1], sport).into();
            let dst: SocketAddr = ([10, 0, 0, 2], 40_000 + (next() % 3) as u16).into();
            let transport = if next() % 2 == 0 {
                Transport::Tcp {
                    seq: (next() % 4096) as u32,
                    syn: next() % 50 == 0,
                    fin: false,
                    rst: false,
                    payload: &payload,
                }
            } else {
                Transport::Udp { payload: &payload }
            };
            d.packet(
                frame,
                frame as i64,
                &Packet {
                    src,
                    dst,
                    transport,
                },
            );
        }
        let (msgs, convs) = d.finish();
        assert!(msgs.iter().all(|m| m.conversation < convs.len()));
    }
}
