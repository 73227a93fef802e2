//! Aligned-PER coding of OpenLogicalChannel structures through stencils: the octets of one
//! channel shape with the places of its transport addresses.
//!
//! fastStart carries a call's channels as separately encoded OpenLogicalChannels (H.323
//! clause 8.1.7): a caller encodes eight proposals, the callee decodes them and encodes its
//! answers, the caller decodes those. From call to call they differ only in their RTP and RTCP
//! addresses, and rasn's generic PER walk over them was the largest single part of the MCU's
//! CPU per call (issue 4). In aligned PER an IPv4 or IPv6 unicast address is a fixed-size
//! octet string and a 16-bit port, both octet-aligned, so each address occupies the same
//! octets whatever its value.
//!
//! A [`Stencil`] is learnt from one encoding: the channel with its addresses set to zeros (its
//! *shape*), that shape's octets, and for each address the octets that change, and only those,
//! when the address is set to ones. Encoding a channel of a known shape copies the octets and
//! writes its addresses in; decoding octets that match a known shape outside the address
//! places clones the shape and reads its addresses out. Both give exactly what rasn gives
//! (property tests in `call::fast_start` compare them); anything unexpected while learning
//! (a length that moves, a difference outside an address) leaves that shape to rasn, and it is
//! not learnt again.
//!
//! Learning a shape costs one encoding per address it holds, so a peer that sends a new shape
//! in every channel makes each decode a few times dearer, not unbounded: the memo holds
//! [`CAPACITY`] shapes per thread and replaces them in turn.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use h323_asn1::h245::{
    H2250LogicalChannelParameters, OpenLogicalChannel,
    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters as FwdMux,
    OpenLogicalChannelReverseLogicalChannelParametersMultiplexParameters as RevMux,
    TransportAddress,
};

use super::messages::{socket_address, transport_address};
use super::ring::Ring;

/// Shapes remembered per thread: a server sees a few codecs in two directions from a few
/// kinds of peer.
const CAPACITY: usize = 32;

thread_local! {
    static STENCILS: RefCell<Stencils> = const { RefCell::new(Ring::new()) };
}

/// Encodes `olc` in aligned PER (what `rasn::aper::encode` gives, from a stencil when its
/// shape is known). It takes the channel by value so that finding its shape needs no copy.
pub fn encode(mut olc: OpenLogicalChannel) -> Result<Vec<u8>, rasn::error::EncodeError> {
    let addresses = hollow(&mut olc);
    let known = STENCILS.with_borrow(|s| {
        s.find(&olc)
            .map(|k| k.stencil.as_ref().map(|st| st.fill(&addresses)))
    });
    match known {
        Some(Some(bytes)) => Ok(bytes),
        // A shape whose places could not be found: rasn, without trying to learn it again.
        Some(None) => {
            refill(&mut olc, &addresses);
            rasn::aper::encode(&olc)
        }
        None => {
            let shape = olc.clone();
            refill(&mut olc, &addresses);
            let bytes = rasn::aper::encode(&olc)?;
            remember(shape);
            Ok(bytes)
        }
    }
}

/// Decodes one OpenLogicalChannel from aligned PER (what `rasn::aper::decode` gives, from a
/// stencil when the octets have a known shape).
pub fn decode(bytes: &[u8]) -> Result<OpenLogicalChannel, rasn::error::DecodeError> {
    if let Some(olc) = STENCILS.with_borrow(|s| s.entries.iter().find_map(|k| k.read(bytes))) {
        return Ok(olc);
    }
    let olc: OpenLogicalChannel = rasn::aper::decode(bytes)?;
    remember(shape_of(&olc).0);
    Ok(olc)
}

/// Learns `shape` unless it is known already, whether or not its places can be found.
fn remember(shape: OpenLogicalChannel) {
    if STENCILS.with_borrow(|s| s.find(&shape).is_none()) {
        let stencil = Stencil::learn(&shape);
        STENCILS.with_borrow_mut(|s| s.insert(Known { shape, stencil }));
    }
}

/// The shapes met, most recent ones kept.
type Stencils = Ring<Known, CAPACITY>;

impl Stencils {
    fn find(&self, shape: &OpenLogicalChannel) -> Option<&Known> {
        self.entries.iter().find(|k| k.shape == *shape)
    }
}

/// A channel shape met before, and its stencil when the places of its addresses were found
/// (`None`: it is coded by rasn every time, and not learnt again).
struct Known {
    shape: OpenLogicalChannel,
    stencil: Option<Stencil>,
}

impl Known {
    /// The channel `bytes` encode, if they are this shape with other addresses.
    fn read(&self, bytes: &[u8]) -> Option<OpenLogicalChannel> {
        let stencil = self.stencil.as_ref()?;
        let mut olc = self.shape.clone();
        for (field, address) in stencil.read(bytes)? {
            if let Some(t) = slot(&mut olc, field) {
                *t = Some(transport_address(address));
            }
        }
        Some(olc)
    }
}

/// The address fields of an OpenLogicalChannel's H.225.0 parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ForwardMedia,
    ForwardControl,
    ReverseMedia,
    ReverseControl,
}

const FIELDS: [Field; 4] = [
    Field::ForwardMedia,
    Field::ForwardControl,
    Field::ReverseMedia,
    Field::ReverseControl,
];

fn slot(olc: &mut OpenLogicalChannel, f: Field) -> Option<&mut Option<TransportAddress>> {
    let p: &mut H2250LogicalChannelParameters = match f {
        Field::ForwardMedia | Field::ForwardControl => {
            match &mut olc.forward_logical_channel_parameters.multiplex_parameters {
                FwdMux::h2250LogicalChannelParameters(p) => p,
                _ => return None,
            }
        }
        Field::ReverseMedia | Field::ReverseControl => match olc
            .reverse_logical_channel_parameters
            .as_mut()?
            .multiplex_parameters
            .as_mut()?
        {
            RevMux::h2250LogicalChannelParameters(p) => p,
            _ => return None,
        },
    };
    Some(match f {
        Field::ForwardMedia | Field::ReverseMedia => &mut p.media_channel,
        Field::ForwardControl | Field::ReverseControl => &mut p.media_control_channel,
    })
}

/// The channel with each unicast IP address replaced by the all-zero address of its family,
/// and the addresses taken out (in [`FIELDS`] order).
fn shape_of(olc: &OpenLogicalChannel) -> (OpenLogicalChannel, [Option<SocketAddr>; 4]) {
    let mut shape = olc.clone();
    let addresses = hollow(&mut shape);
    (shape, addresses)
}

/// Turns `olc` into its shape in place: each unicast IP address becomes the all-zero address
/// of its family. Returns the addresses taken out (in [`FIELDS`] order).
fn hollow(olc: &mut OpenLogicalChannel) -> [Option<SocketAddr>; 4] {
    let mut addresses = [None; 4];
    for (i, f) in FIELDS.into_iter().enumerate() {
        if let Some(t @ Some(_)) = slot(olc, f) {
            if let Some(a) = t.as_ref().and_then(socket_address) {
                *t = Some(transport_address(filled(a.is_ipv6(), 0x00)));
                addresses[i] = Some(a);
            }
        }
    }
    addresses
}

/// Puts back the addresses [`hollow`] took out.
fn refill(olc: &mut OpenLogicalChannel, addresses: &[Option<SocketAddr>; 4]) {
    for (i, f) in FIELDS.into_iter().enumerate() {
        if let (Some(a), Some(t)) = (addresses[i], slot(olc, f)) {
            *t = Some(transport_address(a));
        }
    }
}

/// An address of the family whose every octet (network and port) is `octet`.
fn filled(v6: bool, octet: u8) -> SocketAddr {
    let ip = if v6 {
        IpAddr::V6(Ipv6Addr::from([octet; 16]))
    } else {
        IpAddr::V4(Ipv4Addr::from([octet; 4]))
    };
    SocketAddr::new(ip, u16::from_be_bytes([octet, octet]))
}

/// An address as aligned PER writes it in a TransportAddress: the network octets, then the
/// port, most significant octet first.
fn octets(a: SocketAddr, out: &mut [u8]) {
    let n = match a.ip() {
        IpAddr::V4(ip) => {
            out[..4].copy_from_slice(&ip.octets());
            4
        }
        IpAddr::V6(ip) => {
            out[..16].copy_from_slice(&ip.octets());
            16
        }
    };
    out[n..n + 2].copy_from_slice(&a.port().to_be_bytes());
}

fn address_at(bytes: &[u8], v6: bool) -> SocketAddr {
    let n = if v6 { 16 } else { 4 };
    let port = u16::from_be_bytes([bytes[n], bytes[n + 1]]);
    let ip = if v6 {
        let o: [u8; 16] = bytes[..16].try_into().expect("16 octets");
        IpAddr::V6(Ipv6Addr::from(o))
    } else {
        let o: [u8; 4] = bytes[..4].try_into().expect("4 octets");
        IpAddr::V4(Ipv4Addr::from(o))
    };
    SocketAddr::new(ip, port)
}

/// One channel shape's octets and where its addresses go.
struct Stencil {
    bytes: Vec<u8>,
    /// Per address present: its field index, family (IPv6?) and offset, by offset.
    places: Vec<(usize, bool, usize)>,
}

impl Stencil {
    fn learn(shape: &OpenLogicalChannel) -> Option<Stencil> {
        let bytes = rasn::aper::encode(shape).ok()?;
        let mut places = Vec::new();
        for (i, f) in FIELDS.into_iter().enumerate() {
            let mut probe = shape.clone();
            let Some(t @ Some(_)) = slot(&mut probe, f) else {
                continue;
            };
            let Some(v6) = t.as_ref().and_then(socket_address).map(|a| a.is_ipv6()) else {
                continue;
            };
            *t = Some(transport_address(filled(v6, 0xff)));
            let moved = rasn::aper::encode(&probe).ok()?;
            let at = only_difference(&bytes, &moved, if v6 { 18 } else { 6 }, 0x00, 0xff)?;
            places.push((i, v6, at));
        }
        places.sort_by_key(|p| p.2);
        Some(Stencil { bytes, places })
    }

    fn fill(&self, addresses: &[Option<SocketAddr>; 4]) -> Vec<u8> {
        let mut out = self.bytes.clone();
        for &(i, _, at) in &self.places {
            if let Some(a) = addresses[i] {
                octets(a, &mut out[at..]);
            }
        }
        out
    }

    /// The addresses in `bytes`, if they are this shape's octets with other addresses.
    fn read(&self, bytes: &[u8]) -> Option<Vec<(Field, SocketAddr)>> {
        if bytes.len() != self.bytes.len() {
            return None;
        }
        let mut from = 0;
        for &(_, v6, at) in &self.places {
            if bytes[from..at] != self.bytes[from..at] {
                return None;
            }
            from = at + if v6 { 18 } else { 6 };
        }
        if bytes[from..] != self.bytes[from..] {
            return None;
        }
        Some(
            self.places
                .iter()
                .map(|&(i, v6, at)| (FIELDS[i], address_at(&bytes[at..], v6)))
                .collect(),
        )
    }
}

/// The offset of the one run of `len` octets where `a` (all `base` there) and `b` (all `probe`)
/// differ, if they differ nowhere else: where a stencil's place is (also `h225::stencil`'s).
pub(crate) fn only_difference(
    a: &[u8],
    b: &[u8],
    len: usize,
    base: u8,
    probe: u8,
) -> Option<usize> {
    if a.len() != b.len() {
        return None;
    }
    let at = a.iter().zip(b).position(|(x, y)| x != y)?;
    let end = at + len;
    let run_ok = end <= a.len()
        && a[at..end].iter().all(|&o| o == base)
        && b[at..end].iter().all(|&o| o == probe);
    (run_ok && a[end..] == b[end..]).then_some(at)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::h245::capabilities::{AudioCodec, Codec, VideoCodec};
    use crate::h245::messages as m;
    use proptest::prelude::*;

    /// IPv4 and IPv6 socket addresses (also for `call::fast_start`'s tests).
    pub(crate) fn addr() -> impl Strategy<Value = SocketAddr> {
        prop_oneof![
            (any::<[u8; 4]>(), any::<u16>())
                .prop_map(|(ip, port)| (Ipv4Addr::from(ip), port).into()),
            (any::<[u8; 16]>(), any::<u16>())
                .prop_map(|(ip, port)| (Ipv6Addr::from(ip), port).into()),
        ]
    }

    fn codec() -> impl Strategy<Value = Codec> {
        prop_oneof![
            Just(Codec::Audio(AudioCodec::Pcmu)),
            Just(Codec::Audio(AudioCodec::Pcma)),
            Just(Codec::Video(VideoCodec::H264_BASELINE)),
            Just(Codec::Video(VideoCodec::H263)),
        ]
    }

    /// Channels as fastStart carries them: transmit and receive proposals, and answers with
    /// both addresses filled in.
    fn channel() -> impl Strategy<Value = OpenLogicalChannel> {
        (1u16..100, codec(), addr(), addr(), 0..3u8).prop_map(|(n, c, a, b, kind)| match kind {
            0 => m::olc_transmit(n, c, a),
            1 => m::olc_fast_start_receive(n, c, a, b),
            _ => {
                let mut o = m::olc_transmit(n, c, a);
                if let Some(t) = slot(&mut o, Field::ForwardMedia) {
                    *t = Some(transport_address(b));
                }
                o
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn stencils_code_as_rasn_does(olc in channel()) {
            let plain = rasn::aper::encode(&olc).unwrap();
            // Twice: the first learns the shape (or uses one learnt by an earlier case).
            for _ in 0..2 {
                prop_assert_eq!(&encode(olc.clone()).unwrap(), &plain);
                prop_assert_eq!(&decode(&plain).unwrap(), &olc);
            }
        }

        #[test]
        fn octets_that_differ_outside_an_address_are_decoded_by_rasn(olc in channel(), at in any::<prop::sample::Index>(), flip in 1u8..=255) {
            let mut bytes = encode(olc.clone()).unwrap();
            let i = at.index(bytes.len());
            bytes[i] ^= flip;
            let ours = decode(&bytes).map_err(|e| e.to_string());
            let rasn = rasn::aper::decode::<OpenLogicalChannel>(&bytes).map_err(|e| e.to_string());
            prop_assert_eq!(ours, rasn);
        }
    }

    #[test]
    fn a_shape_without_a_stencil_is_coded_by_rasn_and_not_learnt_again() {
        let olc = m::olc_transmit(
            9,
            Codec::Audio(AudioCodec::Pcma),
            "198.51.100.7:7001".parse().unwrap(),
        );
        let (shape, _) = shape_of(&olc);
        STENCILS.with_borrow_mut(|s| {
            s.entries.retain(|k| k.shape != shape);
            s.insert(Known {
                shape: shape.clone(),
                stencil: None,
            });
        });
        let plain = rasn::aper::encode(&olc).unwrap();
        for _ in 0..2 {
            assert_eq!(encode(olc.clone()).unwrap(), plain);
            assert_eq!(decode(&plain).unwrap(), olc);
        }
        STENCILS.with_borrow(|s| {
            assert_eq!(s.entries.iter().filter(|k| k.shape == shape).count(), 1);
            assert!(s.find(&shape).unwrap().stencil.is_none());
        });
    }

    #[test]
    fn a_known_shape_is_answered_by_its_stencil() {
        let olc = m::olc_fast_start_receive(
            2,
            Codec::Audio(AudioCodec::Pcmu),
            "192.0.2.1:5000".parse().unwrap(),
            "192.0.2.1:5001".parse().unwrap(),
        );
        encode(olc.clone()).unwrap();
        let (shape, _) = shape_of(&olc);
        STENCILS.with_borrow(|s| {
            let known = s.find(&shape).expect("learnt");
            let st = known.stencil.as_ref().expect("its places found");
            // RTP and RTCP of the reverse parameters, six octets each.
            assert_eq!(st.places.len(), 2);
            assert!(st.places.iter().all(|p| !p.1));
        });
    }
}
