//! Fast connect (H.323 clause 8.1.7): the caller proposes OpenLogicalChannel structures in the
//! Setup, the callee accepts a subset in its first answer carrying `fastStart`, and media flows
//! without an H.245 round trip.
//!
//! A proposal the caller transmits on has a forward data type and the caller's RTCP address; a
//! proposal the caller receives on has null forward data and reverse parameters with the caller's
//! RTP and RTCP addresses. The callee answers each accepted proposal with its own addresses filled
//! in (for channels it receives, its RTP and RTCP; for channels it sends, its RTCP).
//!
//! # Proposals from a stencil
//!
//! A caller's proposals differ from call to call only in its four receive addresses, and
//! encoding eight OpenLogicalChannels through rasn's generic PER walk was ~5 % of a gateway
//! call's CPU (issue 4). An address is a fixed-size octet string and a 16-bit port, both
//! octet-aligned in aligned PER, so each one occupies the same octets whatever its value. The
//! [`Stencil`] finds those octets once per capability set and address shape, by encoding with
//! one address changed at a time and checking that exactly its octets moved, verifies the
//! result against a full encoding of a third set of addresses, and then fills in each call's
//! addresses. Any surprise (a length that moves, a difference that is not an address) leaves
//! that shape on the full encoding: the stencil can only be faster, never different.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use h323_asn1::h245::{
    DataType, OpenLogicalChannel,
    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters as FwdMux,
    OpenLogicalChannelReverseLogicalChannelParametersMultiplexParameters as RevMux,
};

use crate::h245::capabilities::{Codec, MediaCapabilities};
use crate::h245::messages::{
    self as m, olc_forward_h2250, olc_reverse_h2250, socket_address, transport_address,
};
use crate::h245::session::{Direction, LocalMedia, MediaAddress, MediaChannel};

/// Our proposals for a Setup: for each session we have media for, one transmit and one receive
/// proposal per codec, in preference order. Channel numbers start at 1.
pub fn propose(caps: &MediaCapabilities, media: &LocalMedia) -> Vec<Vec<u8>> {
    let shape = Shape::of(media);
    STENCILS.with_borrow_mut(|stencils| {
        let i = match stencils
            .iter()
            .position(|s| s.shape == shape && s.caps == *caps)
        {
            Some(i) => i,
            None => {
                if stencils.len() >= MAX_STENCILS {
                    stencils.remove(0);
                }
                stencils.push(Stencil::find(caps, shape));
                stencils.len() - 1
            }
        };
        match &stencils[i].plan {
            Some(plan) => plan.fill(media),
            None => encode_proposals(caps, media),
        }
    })
}

/// Capability sets and address shapes remembered per thread (a server uses one or two).
const MAX_STENCILS: usize = 4;

thread_local! {
    static STENCILS: RefCell<Vec<Stencil>> = const { RefCell::new(Vec::new()) };
}

/// The full encoding that [`propose`] stands in for.
fn encode_proposals(caps: &MediaCapabilities, media: &LocalMedia) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut number = 1u16;
    let codecs = caps
        .audio
        .iter()
        .map(|a| Codec::Audio(*a))
        .chain(caps.video.iter().map(|v| Codec::Video(*v)));
    for codec in codecs {
        let Some(local) = media.for_codec(codec) else {
            continue;
        };
        for olc in [
            m::olc_transmit(number, codec, local.rtcp),
            m::olc_fast_start_receive(number + 1, codec, local.rtp, local.rtcp),
        ] {
            if let Ok(b) = rasn::aper::encode(&olc) {
                out.push(b);
            }
        }
        number += 2;
    }
    out
}

/// The four receive addresses, in a fixed order: audio RTP, audio RTCP, video RTP, video RTCP.
fn slots(media: &LocalMedia) -> [Option<SocketAddr>; 4] {
    let a = media.audio;
    let v = media.video;
    [
        a.map(|a| a.rtp),
        a.map(|a| a.rtcp),
        v.map(|v| v.rtp),
        v.map(|v| v.rtcp),
    ]
}

fn from_slots(s: [Option<SocketAddr>; 4]) -> LocalMedia {
    let pair = |rtp: Option<SocketAddr>, rtcp: Option<SocketAddr>| match (rtp, rtcp) {
        (Some(rtp), Some(rtcp)) => Some(MediaAddress { rtp, rtcp }),
        _ => None,
    };
    LocalMedia {
        audio: pair(s[0], s[1]),
        video: pair(s[2], s[3]),
    }
}

/// An address as aligned PER writes it in a TransportAddress: the network octets, then the
/// port in two octets, most significant first.
fn octets(a: SocketAddr) -> Vec<u8> {
    let mut o = match a.ip() {
        IpAddr::V4(ip) => ip.octets().to_vec(),
        IpAddr::V6(ip) => ip.octets().to_vec(),
    };
    o.extend_from_slice(&a.port().to_be_bytes());
    o
}

/// Which sessions have addresses, and of which family (what the stencil depends on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Shape([Option<bool>; 4]);

impl Shape {
    fn of(media: &LocalMedia) -> Self {
        Shape(slots(media).map(|a| a.map(|a| a.is_ipv6())))
    }

    /// The same shape with every address set to `n`'s variant of its family.
    fn filled(self, n: u8) -> LocalMedia {
        from_slots(self.0.map(|v6| v6.map(|v6| sample(v6, n))))
    }
}

/// Sample addresses whose octets all differ between different `n` (no octet of one equals the
/// octet in the same place of another), so that a difference shows every octet of a field.
fn sample(v6: bool, n: u8) -> SocketAddr {
    let b = 0x11u8.wrapping_mul(n + 1);
    let ip = if v6 {
        IpAddr::V6(Ipv6Addr::from([b; 16]))
    } else {
        IpAddr::V4(Ipv4Addr::from([b; 4]))
    };
    SocketAddr::new(ip, u16::from_be_bytes([b, b]))
}

/// One capability set's proposals, and where each address goes in them (`None` when the
/// places could not be found and checked: then every call encodes in full).
struct Stencil {
    caps: MediaCapabilities,
    shape: Shape,
    plan: Option<Plan>,
}

struct Plan {
    base: Vec<Vec<u8>>,
    /// Per slot, the (proposal, offset) of each place its octets are written.
    places: [Vec<(usize, usize)>; 4],
}

impl Stencil {
    fn find(caps: &MediaCapabilities, shape: Shape) -> Stencil {
        Stencil {
            caps: caps.clone(),
            shape,
            plan: Plan::find(caps, shape),
        }
    }
}

impl Plan {
    fn find(caps: &MediaCapabilities, shape: Shape) -> Option<Plan> {
        let base_media = shape.filled(0);
        let base = encode_proposals(caps, &base_media);
        let base_slots = slots(&base_media);
        let mut places: [Vec<(usize, usize)>; 4] = Default::default();
        for (k, place) in places.iter_mut().enumerate() {
            let Some(was) = base_slots[k] else {
                continue;
            };
            let mut moved = base_slots;
            let now = sample(was.is_ipv6(), 1);
            moved[k] = Some(now);
            let variant = encode_proposals(caps, &from_slots(moved));
            *place = differences(&base, &variant, &octets(was), &octets(now))?;
        }
        let plan = Plan { base, places };
        // A third set of addresses, checked against the full encoding.
        let check = shape.filled(2);
        (plan.fill(&check) == encode_proposals(caps, &check)).then_some(plan)
    }

    fn fill(&self, media: &LocalMedia) -> Vec<Vec<u8>> {
        let mut out = self.base.clone();
        for (slot, addr) in self.places.iter().zip(slots(media)) {
            let Some(addr) = addr else { continue };
            let o = octets(addr);
            for &(p, at) in slot {
                out[p][at..at + o.len()].copy_from_slice(&o);
            }
        }
        out
    }
}

/// Where `variant` differs from `base`, as places of whole addresses: every differing octet
/// must belong to a run where `base` holds `was` and `variant` holds `now`.
fn differences(
    base: &[Vec<u8>],
    variant: &[Vec<u8>],
    was: &[u8],
    now: &[u8],
) -> Option<Vec<(usize, usize)>> {
    if base.len() != variant.len() {
        return None;
    }
    let mut places = Vec::new();
    for (p, (b, v)) in base.iter().zip(variant).enumerate() {
        if b.len() != v.len() {
            return None;
        }
        let mut at = 0;
        while at < b.len() {
            if b[at] == v[at] {
                at += 1;
                continue;
            }
            let end = at + was.len();
            if end > b.len() || b[at..end] != *was || v[at..end] != *now {
                return None;
            }
            places.push((p, at));
            at = end;
        }
    }
    (!places.is_empty()).then_some(places)
}

/// The callee's side: accepts at most one proposal per session and direction that we support
/// and have media for, returns the encoded answers and the channels they open (seen from us).
pub fn answer(
    proposals: &[Vec<u8>],
    caps: &MediaCapabilities,
    media: &LocalMedia,
) -> (Vec<Vec<u8>>, Vec<MediaChannel>) {
    let mut answers = Vec::new();
    let mut channels: Vec<MediaChannel> = Vec::new();
    for bytes in proposals {
        let Ok(mut olc) = rasn::aper::decode::<OpenLogicalChannel>(bytes) else {
            continue;
        };
        let number = olc.forward_logical_channel_number.0;
        let forward = &olc.forward_logical_channel_parameters.data_type;
        if !matches!(forward, DataType::nullData(())) {
            // The caller sends on this one: we receive.
            let Some(codec) = Codec::from_data_type(forward).filter(|c| supports(caps, *c)) else {
                continue;
            };
            if taken(&channels, Direction::Receive, codec) {
                continue;
            }
            let Some(local) = media.for_codec(codec) else {
                continue;
            };
            let remote_rtcp = olc_forward_h2250(&olc)
                .and_then(|p| p.media_control_channel.as_ref())
                .and_then(socket_address);
            if let FwdMux::h2250LogicalChannelParameters(p) =
                &mut olc.forward_logical_channel_parameters.multiplex_parameters
            {
                p.media_channel = Some(transport_address(local.rtp));
                p.media_control_channel = Some(transport_address(local.rtcp));
            } else {
                continue;
            }
            channels.push(MediaChannel {
                number,
                direction: Direction::Receive,
                codec,
                rtp: Some(local.rtp),
                remote_rtcp,
            });
        } else {
            // The caller receives on this one: we send to its RTP address.
            let Some(rev) = olc.reverse_logical_channel_parameters.as_ref() else {
                continue;
            };
            let Some(codec) = Codec::from_data_type(&rev.data_type).filter(|c| supports(caps, *c))
            else {
                continue;
            };
            if taken(&channels, Direction::Transmit, codec) {
                continue;
            }
            let Some(local) = media.for_codec(codec) else {
                continue;
            };
            let Some(params) = olc_reverse_h2250(&olc) else {
                continue;
            };
            let rtp = params.media_channel.as_ref().and_then(socket_address);
            let remote_rtcp = params
                .media_control_channel
                .as_ref()
                .and_then(socket_address);
            if rtp.is_none() {
                continue;
            }
            if let Some(RevMux::h2250LogicalChannelParameters(p)) = olc
                .reverse_logical_channel_parameters
                .as_mut()
                .and_then(|r| r.multiplex_parameters.as_mut())
            {
                p.media_control_channel = Some(transport_address(local.rtcp));
            }
            channels.push(MediaChannel {
                number,
                direction: Direction::Transmit,
                codec,
                rtp,
                remote_rtcp,
            });
        }
        if let Ok(b) = rasn::aper::encode(&olc) {
            answers.push(b);
        } else {
            channels.pop();
        }
    }
    (answers, channels)
}

/// The caller's side: the channels the callee's answer opened (seen from us).
pub fn accepted(answers: &[Vec<u8>], local: &LocalMedia) -> Vec<MediaChannel> {
    let mut channels = Vec::new();
    for bytes in answers {
        let Ok(olc) = rasn::aper::decode::<OpenLogicalChannel>(bytes) else {
            continue;
        };
        let number = olc.forward_logical_channel_number.0;
        let forward = &olc.forward_logical_channel_parameters.data_type;
        if !matches!(forward, DataType::nullData(())) {
            let Some(codec) = Codec::from_data_type(forward) else {
                continue;
            };
            let p = olc_forward_h2250(&olc);
            let rtp = p
                .and_then(|p| p.media_channel.as_ref())
                .and_then(socket_address);
            let remote_rtcp = p
                .and_then(|p| p.media_control_channel.as_ref())
                .and_then(socket_address);
            channels.push(MediaChannel {
                number,
                direction: Direction::Transmit,
                codec,
                rtp,
                remote_rtcp,
            });
        } else if let Some(rev) = &olc.reverse_logical_channel_parameters {
            let Some(codec) = Codec::from_data_type(&rev.data_type) else {
                continue;
            };
            let remote_rtcp = olc_reverse_h2250(&olc)
                .and_then(|p| p.media_control_channel.as_ref())
                .and_then(socket_address);
            let rtp = local.for_codec(codec).map(|l| l.rtp);
            channels.push(MediaChannel {
                number,
                direction: Direction::Receive,
                codec,
                rtp,
                remote_rtcp,
            });
        }
    }
    channels
}

fn supports(caps: &MediaCapabilities, codec: Codec) -> bool {
    match codec {
        Codec::Audio(a) => caps.audio.contains(&a),
        Codec::Video(v) => caps.video.iter().any(|x| x.name() == v.name()),
    }
}

fn taken(channels: &[MediaChannel], direction: Direction, codec: Codec) -> bool {
    channels
        .iter()
        .any(|c| c.direction == direction && c.codec.session_id() == codec.session_id())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h245::capabilities::AudioCodec;
    use proptest::prelude::*;

    fn addr() -> impl Strategy<Value = SocketAddr> {
        prop_oneof![
            (any::<[u8; 4]>(), any::<u16>())
                .prop_map(|(ip, port)| (Ipv4Addr::from(ip), port).into()),
            (any::<[u8; 16]>(), any::<u16>())
                .prop_map(|(ip, port)| (Ipv6Addr::from(ip), port).into()),
        ]
    }

    fn pair() -> impl Strategy<Value = Option<MediaAddress>> {
        proptest::option::of((addr(), addr()).prop_map(|(rtp, rtcp)| MediaAddress { rtp, rtcp }))
    }

    #[test]
    fn the_stencil_is_found_for_what_cascade_offers() {
        for shape in [
            Shape([Some(false); 4]),
            Shape([Some(true); 4]),
            Shape([Some(false), Some(false), None, None]),
        ] {
            let plan = Plan::find(&MediaCapabilities::cascade_default(), shape);
            let plan = plan.unwrap_or_else(|| panic!("no stencil for {shape:?}"));
            // Every present address is written at least once (RTCP in both proposals).
            for (k, v6) in shape.0.iter().enumerate() {
                assert_eq!(
                    plan.places[k].is_empty(),
                    v6.is_none(),
                    "slot {k} of {shape:?}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn proposals_from_the_stencil_are_the_full_encoding(audio in pair(), video in pair(), g711a in any::<bool>()) {
            let mut caps = MediaCapabilities::cascade_default();
            if !g711a {
                caps.audio.retain(|a| *a != AudioCodec::Pcma);
            }
            let media = LocalMedia { audio, video };
            prop_assert_eq!(propose(&caps, &media), encode_proposals(&caps, &media));
        }
    }
}
