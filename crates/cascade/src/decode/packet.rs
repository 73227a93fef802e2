//! Packet layers below the signalling: turns one captured frame (Ethernet, Linux cooked v1/v2,
//! BSD loopback or raw IP) into addresses plus a TCP segment or UDP datagram, using `etherparse`.
//!
//! Only the Linux cooked v2 and BSD loopback headers are stripped by hand: `etherparse` has no
//! slicer for them, and each is a fixed-size header naming the network protocol.

use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::Linktype;

/// A TCP segment or UDP datagram with its endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// The transport header's meaning and payload.
    pub transport: Transport<'a>,
}

/// The transport layer of a [`Packet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport<'a> {
    /// A TCP segment.
    Tcp {
        /// Sequence number of the first payload byte (of the SYN when `syn` is set).
        seq: u32,
        /// SYN flag.
        syn: bool,
        /// FIN flag.
        fin: bool,
        /// RST flag.
        rst: bool,
        /// Segment payload.
        payload: &'a [u8],
    },
    /// A UDP datagram.
    Udp {
        /// Datagram payload.
        payload: &'a [u8],
    },
}

/// Why a frame carries nothing for the signalling decoder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Skip {
    /// A link type this tool does not read.
    #[error("link type {0} not supported")]
    Link(i32),
    /// The headers could not be parsed (truncated or damaged frame).
    #[error("undecodable headers: {0}")]
    Damaged(String),
    /// Not IPv4/IPv6 (ARP, LLDP, ...).
    #[error("not IP")]
    NotIp,
    /// An IP fragment: fragments are not reassembled.
    #[error("IP fragment")]
    Fragment,
    /// IP, but neither TCP nor UDP (ICMP, ...).
    #[error("neither TCP nor UDP")]
    OtherTransport,
}

/// Parses one frame of the given link type down to TCP/UDP.
pub fn parse(linktype: Linktype, data: &[u8]) -> Result<Packet<'_>, Skip> {
    let damaged = |e: etherparse::err::packet::SliceError| Skip::Damaged(e.to_string());
    let sliced = match linktype {
        Linktype::ETHERNET => SlicedPacket::from_ethernet(data).map_err(damaged)?,
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => {
            SlicedPacket::from_ip(data).map_err(damaged)?
        }
        Linktype::LINUX_SLL => SlicedPacket::from_linux_sll(data).map_err(damaged)?,
        Linktype::LINUX_SLL2 => {
            // SLL2: protocol type (2 bytes, big endian) first, 20-byte header in all.
            if data.len() < 20 {
                return Err(Skip::Damaged("short Linux cooked v2 header".into()));
            }
            let ether_type = EtherType(u16::from_be_bytes([data[0], data[1]]));
            SlicedPacket::from_ether_type(ether_type, &data[20..]).map_err(damaged)?
        }
        Linktype::NULL | Linktype::LOOP => {
            // A 4-byte address family in the capturing host's byte order (NULL) or big endian
            // (LOOP); the IP version nibble tells us all we need.
            if data.len() < 4 {
                return Err(Skip::Damaged("short loopback header".into()));
            }
            SlicedPacket::from_ip(&data[4..]).map_err(damaged)?
        }
        other => return Err(Skip::Link(other.0)),
    };
    let (src_ip, dst_ip, fragmented): (IpAddr, IpAddr, bool) = match &sliced.net {
        Some(NetSlice::Ipv4(v4)) => (
            v4.header().source_addr().into(),
            v4.header().destination_addr().into(),
            v4.is_payload_fragmented(),
        ),
        Some(NetSlice::Ipv6(v6)) => (
            v6.header().source_addr().into(),
            v6.header().destination_addr().into(),
            v6.is_payload_fragmented(),
        ),
        _ => return Err(Skip::NotIp),
    };
    match sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => Ok(Packet {
            src: SocketAddr::new(src_ip, tcp.source_port()),
            dst: SocketAddr::new(dst_ip, tcp.destination_port()),
            transport: Transport::Tcp {
                seq: tcp.sequence_number(),
                syn: tcp.syn(),
                fin: tcp.fin(),
                rst: tcp.rst(),
                payload: tcp.payload(),
            },
        }),
        Some(TransportSlice::Udp(udp)) => Ok(Packet {
            src: SocketAddr::new(src_ip, udp.source_port()),
            dst: SocketAddr::new(dst_ip, udp.destination_port()),
            transport: Transport::Udp {
                payload: udp.payload(),
            },
        }),
        _ if fragmented => Err(Skip::Fragment),
        _ => Err(Skip::OtherTransport),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4/UDP datagram built by etherparse's own writer, read back through each link type.
    fn udp_ipv4() -> Vec<u8> {
        let builder =
            etherparse::PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(1719, 2000);
        let mut out = Vec::new();
        builder.write(&mut out, b"ras").unwrap();
        out
    }

    #[test]
    fn raw_ip_udp() {
        let bytes = udp_ipv4();
        let p = parse(Linktype::RAW, &bytes).unwrap();
        assert_eq!(p.src, "10.0.0.1:1719".parse().unwrap());
        assert_eq!(p.dst, "10.0.0.2:2000".parse().unwrap());
        assert_eq!(p.transport, Transport::Udp { payload: b"ras" });
    }

    #[test]
    fn sll2_and_loopback_headers_are_stripped() {
        let ip = udp_ipv4();
        let mut sll2 = vec![0x08, 0x00];
        sll2.extend_from_slice(&[0; 18]);
        sll2.extend_from_slice(&ip);
        assert!(parse(Linktype::LINUX_SLL2, &sll2).is_ok());
        let mut null = vec![2, 0, 0, 0];
        null.extend_from_slice(&ip);
        assert!(parse(Linktype::NULL, &null).is_ok());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            for lt in [
                Linktype::ETHERNET,
                Linktype::RAW,
                Linktype::LINUX_SLL,
                Linktype::LINUX_SLL2,
                Linktype::NULL,
            ] {
                let _ = parse(lt, &junk);
            }
        }
        assert_eq!(parse(Linktype(147), &[]), Err(Skip::Link(147)));
    }
}
