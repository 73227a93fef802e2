//! The UDP sockets RTP and RTCP travel on: an even port for RTP and the next odd one for RTCP
//! (RFC 3550 §11), taken from a port range as media servers do, so that a firewall in front of
//! them opens one known range (`rtp_ports` in the servers' configuration, default
//! [`PortRange::DEFAULT`]).
//!
//! The H.323 call driver (`h323-tokio`), the gateway and the VN server bind their media sockets
//! here, so that vnet does not depend on the H.323 stack for it. Written by hand: binding a pair
//! is a few lines of `socket2`, and no crate keeps a port cursor over a range.
//!
//! Ports are handed out by one cursor per process that walks the range's even ports from a
//! start that differs per process, and skips a pair whose ports another socket holds (another
//! process, or a pair still in use after the cursor wrapped); a binder that walked past held
//! pairs moves the cursor past them, so that the next binders do not walk them again. Walking
//! rather than asking the kernel for a free port also keeps a port from being reused by the
//! next call at once, so that a late packet of an ended call does not land in a new one.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::RwLock;

use serde::{Deserialize, Serialize};
use tokio::net::UdpSocket;

/// An inclusive range of UDP ports for media. Only its even ports start a pair, so it needs at
/// least one even port followed by an odd one inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PortRange {
    first: u16,
    last: u16,
}

/// Why a port range was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a UDP port range for RTP: {why} (expected e.g. \"16384-32767\")")]
pub struct PortRangeError {
    text: String,
    why: &'static str,
}

impl PortRange {
    /// 16384–32767: the range H.323 and SIP equipment commonly uses, below Linux's ephemeral
    /// ports (32768–60999) so that ports the kernel picks for other sockets do not collide.
    pub const DEFAULT: PortRange = PortRange {
        first: 16384,
        last: 32767,
    };

    /// `first..=last`; it must hold at least one even/odd pair and not include port 0.
    pub fn new(first: u16, last: u16) -> Result<Self, PortRangeError> {
        let text = format!("{first}-{last}");
        let err = |why| PortRangeError {
            text: text.clone(),
            why,
        };
        if first == 0 {
            return Err(err("port 0 is not a port"));
        }
        if first > last {
            return Err(err("the first port is above the last"));
        }
        let r = PortRange { first, last };
        if r.pairs() == 0 {
            return Err(err("it holds no even port followed by an odd one"));
        }
        Ok(r)
    }

    /// The first port.
    pub fn first(&self) -> u16 {
        self.first
    }

    /// The last port.
    pub fn last(&self) -> u16 {
        self.last
    }

    fn first_even(&self) -> u32 {
        u32::from(self.first).next_multiple_of(2)
    }

    /// How many RTP/RTCP pairs fit.
    pub fn pairs(&self) -> u32 {
        let first = self.first_even();
        let last = u32::from(self.last);
        if last < first + 1 {
            0
        } else {
            (last - first).div_ceil(2)
        }
    }

    /// The RTP port of pair `i` (`i < pairs()`).
    fn rtp_port(&self, i: u32) -> u16 {
        (self.first_even() + 2 * i) as u16
    }
}

impl Default for PortRange {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl FromStr for PortRange {
    type Err = PortRangeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |why| PortRangeError {
            text: s.to_owned(),
            why,
        };
        let (a, b) = s
            .trim()
            .split_once('-')
            .ok_or_else(|| err("no '-' between the first and last port"))?;
        let port = |t: &str| {
            t.trim()
                .parse::<u16>()
                .map_err(|_| err("a port is not a number from 1 to 65535"))
        };
        PortRange::new(port(a)?, port(b)?).map_err(|e| PortRangeError {
            text: s.to_owned(),
            why: e.why,
        })
    }
}

impl TryFrom<String> for PortRange {
    type Error = PortRangeError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PortRange> for String {
    fn from(r: PortRange) -> String {
        r.to_string()
    }
}

static RANGE: RwLock<PortRange> = RwLock::new(PortRange::DEFAULT);
static CURSOR: Cursor = Cursor::new();

/// Sets the range this process binds media ports from (one range per process: the servers of
/// `cascade demo` share it).
pub fn set_range(range: PortRange) {
    *RANGE.write().unwrap_or_else(|e| e.into_inner()) = range;
}

/// The range in use.
pub fn range() -> PortRange {
    *RANGE.read().unwrap_or_else(|e| e.into_inner())
}

/// The next pair to try, as an index that is reduced modulo the range's pair count; 0 means
/// "not started yet" (see [`start`]).
struct Cursor(AtomicU32);

impl Cursor {
    const fn new() -> Self {
        Self(AtomicU32::new(0))
    }

    fn next(&self) -> u32 {
        let mut i = self.0.fetch_add(1, Ordering::Relaxed);
        if i == 0 {
            // First use: move the cursor to this process's start. Racing first users may both
            // do it; either start is as good.
            let s = start();
            self.0.store(s.wrapping_add(1), Ordering::Relaxed);
            i = s;
        }
        i
    }

    /// Moves the cursor on by the `n` pairs a walk found held, so that the binders after it
    /// start past them. Without this a run of pairs another process holds (its own cursor's
    /// recent pairs) was walked again by every binder until the cursor crept past it one
    /// pair per bind, which made failed binds most of a busy gateway's `bind` calls.
    fn skip(&self, n: u32) {
        if n > 0 {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
    }
}

/// A start that differs between processes (and between runs), so that several processes on
/// one host do not all try the same ports first.
fn start() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (std::process::id().wrapping_mul(2_654_435_761) ^ nanos) | 1
}

/// Binds an RTP socket on an even port and its RTCP socket on the next port, both on `ip`,
/// from the process's range. Fails with `AddrInUse` when no pair of the range is free (every
/// pair was tried once), or with the error of binding on `ip` itself (an address this host
/// does not have, for instance).
pub fn bind_pair(ip: IpAddr) -> io::Result<(UdpSocket, UdpSocket)> {
    bind_pair_in(ip, range())
}

/// [`bind_pair`] from `range` rather than the process's range. A socket whose `bind` failed is
/// still unbound and is tried on the next port: walking past ports in use (of other processes,
/// say) costs one `bind` each, not a `socket` and a `close` as well.
pub fn bind_pair_in(ip: IpAddr, range: PortRange) -> io::Result<(UdpSocket, UdpSocket)> {
    bind_pair_from(ip, range, &CURSOR)
}

fn bind_pair_from(
    ip: IpAddr,
    range: PortRange,
    cursor: &Cursor,
) -> io::Result<(UdpSocket, UdpSocket)> {
    let pairs = range.pairs();
    // One index from the shared cursor, then a walk from it: concurrent binders start at
    // different pairs, and each tries every pair once.
    let start = cursor.next() % pairs;
    let mut spare = None;
    for k in 0..pairs {
        let port = range.rtp_port((start + k) % pairs);
        let rtp = match spare.take() {
            Some(s) => s,
            None => unbound(ip)?,
        };
        match rtp.bind(&SocketAddr::new(ip, port).into()) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                spare = Some(rtp);
                continue;
            }
            Err(e) => return Err(e),
        }
        let rtcp = unbound(ip)?;
        match rtcp.bind(&SocketAddr::new(ip, port + 1).into()) {
            Ok(()) => {
                cursor.skip(k);
                return Ok((
                    UdpSocket::from_std(rtp.into())?,
                    UdpSocket::from_std(rtcp.into())?,
                ));
            }
            // The RTP socket is bound now and goes; the RTCP one is not and stays.
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => spare = Some(rtcp),
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("no free even/odd UDP port pair in {range}"),
    ))
}

/// Sends `buf` to `to` on `socket` at once, never waiting: a datagram the socket's buffer has
/// no room for is dropped, as a congested network would drop it, rather than stalling the
/// sender's other streams behind it. Media tasks send this way.
///
/// tokio's `try_send_to` alone is not enough: on a socket the reactor has not yet reported
/// writable (one bound moments ago, before the runtime's next turn of epoll) it answers
/// `WouldBlock` without trying, so the first datagrams sent to a new participant, often the
/// start of the picture it needs, were lost. The system call a UDP send is does not depend on
/// that readiness, so this makes it directly then.
pub fn send_now(socket: &UdpSocket, buf: &[u8], to: SocketAddr) -> io::Result<usize> {
    match socket.try_send_to(buf, to) {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            socket2::SockRef::from(socket).send_to(buf, &to.into())
        }
        sent => sent,
    }
}

/// A non-blocking UDP socket of `ip`'s family, not bound yet.
fn unbound(ip: IpAddr) -> io::Result<socket2::Socket> {
    socket2::Socket::new(
        socket2::Domain::for_address(SocketAddr::new(ip, 0)),
        socket2::Type::DGRAM.nonblocking(),
        Some(socket2::Protocol::UDP),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

    #[test]
    fn ranges_parse_and_refuse_what_holds_no_pair() {
        let r: PortRange = "20000-20009".parse().unwrap();
        assert_eq!((r.first(), r.last(), r.pairs()), (20000, 20009, 5));
        assert_eq!(r.to_string(), "20000-20009");
        assert_eq!(" 20001 - 20004 ".parse::<PortRange>().unwrap().pairs(), 1);
        assert_eq!(PortRange::DEFAULT.pairs(), 8192);
        assert_eq!("65534-65535".parse::<PortRange>().unwrap().pairs(), 1);
        for bad in [
            "",
            "20000",
            "20010-20000",
            "0-100",
            "20001-20001",
            "20001-20002",
            "a-b",
            "1-70000",
        ] {
            let e = bad.parse::<PortRange>().unwrap_err();
            assert!(e.to_string().contains("not a UDP port range"), "{bad}: {e}");
        }
    }

    #[test]
    fn serde_uses_the_text_form() {
        #[derive(Deserialize, Serialize)]
        struct C {
            rtp_ports: PortRange,
        }
        let c: C = serde_json::from_str(r#"{"rtp_ports":"30000-30099"}"#).unwrap();
        assert_eq!(c.rtp_ports.pairs(), 50);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"rtp_ports":"30000-30099"}"#
        );
        assert!(serde_json::from_str::<C>(r#"{"rtp_ports":"3-2"}"#).is_err());
    }

    #[tokio::test]
    async fn pairs_are_even_and_odd_inside_the_range_and_distinct() {
        let range: PortRange = "41000-41019".parse().unwrap();
        let mut held = Vec::new();
        for _ in 0..4 {
            let (rtp, rtcp) = bind_pair_in(LO, range).unwrap();
            let (p, q) = (
                rtp.local_addr().unwrap().port(),
                rtcp.local_addr().unwrap().port(),
            );
            assert_eq!(p % 2, 0);
            assert_eq!(q, p + 1);
            assert!((41000..=41019).contains(&p) && q <= 41019, "{p}");
            held.push((rtp, rtcp));
        }
        let mut ports: Vec<u16> = held
            .iter()
            .map(|(r, _)| r.local_addr().unwrap().port())
            .collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 4);
    }

    #[tokio::test]
    async fn a_full_range_is_an_error_and_a_freed_pair_is_found_again() {
        let range: PortRange = "41100-41105".parse().unwrap();
        let a = bind_pair_in(LO, range).unwrap();
        let b = bind_pair_in(LO, range).unwrap();
        // The third pair is held by someone else: only its RTCP port, which must be skipped too.
        let mut taken = None;
        for p in [41100u16, 41102, 41104] {
            if ![&a, &b]
                .iter()
                .any(|(r, _)| r.local_addr().unwrap().port() == p)
            {
                taken = Some(std::net::UdpSocket::bind((LO, p + 1)).unwrap());
            }
        }
        let e = bind_pair_in(LO, range).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse);
        assert!(e.to_string().contains("41100-41105"), "{e}");
        let freed = a.0.local_addr().unwrap().port();
        drop(a);
        let c = bind_pair_in(LO, range).unwrap();
        assert_eq!(c.0.local_addr().unwrap().port(), freed);
        drop((b, c, taken));
    }

    #[tokio::test]
    async fn a_walk_past_held_pairs_moves_the_cursor_past_them() {
        let range: PortRange = "41200-41219".parse().unwrap();
        // Someone else holds pairs 0 to 4 (a run, as another process's cursor leaves).
        let held: Vec<_> = (0..5)
            .map(|i| std::net::UdpSocket::bind((LO, 41200 + 2 * i)).unwrap())
            .collect();
        // A cursor at pair 0 (index 0 means "not started", so one whole turn of the range).
        let cursor = Cursor(AtomicU32::new(range.pairs()));
        let (a, _a) = bind_pair_from(LO, range, &cursor).unwrap();
        assert_eq!(a.local_addr().unwrap().port(), 41210);
        // The next binder starts after the run, not inside it.
        assert_eq!(cursor.0.load(Ordering::Relaxed) % range.pairs(), 6);
        let (b, _b) = bind_pair_from(LO, range, &cursor).unwrap();
        assert_eq!(b.local_addr().unwrap().port(), 41212);
        assert_eq!(cursor.0.load(Ordering::Relaxed) % range.pairs(), 7);
        drop(held);
    }

    #[tokio::test]
    async fn a_socket_bound_moments_ago_sends_at_once() {
        let sink = std::net::UdpSocket::bind((LO, 0)).unwrap();
        sink.set_read_timeout(Some(std::time::Duration::from_secs(2)))
            .unwrap();
        let to = sink.local_addr().unwrap();
        // No await between binding and sending: the runtime has not polled epoll since the
        // sockets were registered, so tokio does not know them writable yet.
        let (rtp, rtcp) = bind_pair(LO).unwrap();
        assert_eq!(send_now(&rtp, b"first", to).unwrap(), 5);
        assert_eq!(send_now(&rtcp, b"second", to).unwrap(), 6);
        let mut buf = [0u8; 16];
        let (n, from) = sink.recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"first"[..], rtp.local_addr().unwrap())
        );
        let (n, from) = sink.recv_from(&mut buf).unwrap();
        assert_eq!(
            (&buf[..n], from),
            (&b"second"[..], rtcp.local_addr().unwrap())
        );
    }

    #[tokio::test]
    async fn an_address_the_host_lacks_is_reported_as_such() {
        // TEST-NET-1 (RFC 5737) is never a local address.
        let e = bind_pair_in("192.0.2.1".parse().unwrap(), PortRange::DEFAULT).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AddrNotAvailable, "{e}");
    }
}
