//! Fast connect (H.323 clause 8.1.7): the caller proposes OpenLogicalChannel structures in the
//! Setup, the callee accepts a subset in its first answer carrying `fastStart`, and media flows
//! without an H.245 round trip.
//!
//! A proposal the caller transmits on has a forward data type and the caller's RTCP address; a
//! proposal the caller receives on has null forward data and reverse parameters with the caller's
//! RTP and RTCP addresses. The callee answers each accepted proposal with its own addresses filled
//! in (for channels it receives, its RTP and RTCP; for channels it sends, its RTCP).

use h323_asn1::h245::{
    DataType, OpenLogicalChannel,
    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters as FwdMux,
    OpenLogicalChannelReverseLogicalChannelParametersMultiplexParameters as RevMux,
};

use crate::h245::capabilities::{Codec, MediaCapabilities};
use crate::h245::messages::{
    self as m, channel_payload_type, olc_forward_h2250, olc_reverse_h2250, socket_address,
    transport_address,
};
use crate::h245::session::{Direction, LocalMedia, MediaChannel};
// The channels are coded through stencils: from call to call they differ only in addresses.
use crate::h245::stencil;

/// Our proposals for a Setup: for each session we have media for, one transmit and one receive
/// proposal per codec, in preference order. Channel numbers start at 1.
pub fn propose(caps: &MediaCapabilities, media: &LocalMedia) -> Vec<Vec<u8>> {
    proposals(caps, media)
        .into_iter()
        .filter_map(|olc| stencil::encode(olc).ok())
        .collect()
}

fn proposals(caps: &MediaCapabilities, media: &LocalMedia) -> Vec<OpenLogicalChannel> {
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
        out.push(m::olc_transmit(number, codec, local.rtcp));
        out.push(m::olc_fast_start_receive(
            number + 1,
            codec,
            local.rtp,
            local.rtcp,
        ));
        number += 2;
    }
    out
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
        let Ok(mut olc) = stencil::decode(bytes) else {
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
            // The caller sends with the payload type it named.
            let payload_type = channel_payload_type(codec, olc_forward_h2250(&olc));
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
                payload_type,
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
            // The caller's proposal names the payload type we send with.
            let payload_type = channel_payload_type(codec, Some(params));
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
                payload_type,
            });
        }
        if let Ok(b) = stencil::encode(olc) {
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
        let Ok(olc) = stencil::decode(bytes) else {
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
                payload_type: channel_payload_type(codec, p),
            });
        } else if let Some(rev) = &olc.reverse_logical_channel_parameters {
            let Some(codec) = Codec::from_data_type(&rev.data_type) else {
                continue;
            };
            let p = olc_reverse_h2250(&olc);
            let remote_rtcp = p
                .and_then(|p| p.media_control_channel.as_ref())
                .and_then(socket_address);
            let rtp = local.for_codec(codec).map(|l| l.rtp);
            channels.push(MediaChannel {
                number,
                direction: Direction::Receive,
                codec,
                rtp,
                remote_rtcp,
                payload_type: channel_payload_type(codec, p),
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
    use crate::h245::capabilities::{AudioCodec, VideoCodec};
    use crate::h245::session::MediaAddress;
    use crate::h245::stencil::tests::addr;
    use proptest::prelude::*;
    use std::net::SocketAddr;

    fn pair() -> impl Strategy<Value = Option<MediaAddress>> {
        proptest::option::of((addr(), addr()).prop_map(|(rtp, rtcp)| MediaAddress { rtp, rtcp }))
    }

    fn rasn_all(olcs: &[OpenLogicalChannel]) -> Vec<Vec<u8>> {
        olcs.iter()
            .map(|o| rasn::aper::encode(o).unwrap())
            .collect()
    }

    /// The caller's proposals with every H.264 dynamic payload type set to `pt`, as a peer
    /// that numbers H.264 differently (96, 97 are common) would send them.
    fn offer_with_h264_pt(caps: &MediaCapabilities, media: &LocalMedia, pt: u8) -> Vec<Vec<u8>> {
        let mut olcs = proposals(caps, media);
        for olc in &mut olcs {
            let mut params = Vec::new();
            if let FwdMux::h2250LogicalChannelParameters(p) =
                &mut olc.forward_logical_channel_parameters.multiplex_parameters
            {
                params.push(p);
            }
            if let Some(RevMux::h2250LogicalChannelParameters(p)) = olc
                .reverse_logical_channel_parameters
                .as_mut()
                .and_then(|r| r.multiplex_parameters.as_mut())
            {
                params.push(p);
            }
            for p in params {
                if p.dynamic_rtppayload_type.is_some() {
                    p.dynamic_rtppayload_type = Some(pt);
                }
            }
        }
        rasn_all(&olcs)
    }

    fn local() -> LocalMedia {
        let a = |port| MediaAddress {
            rtp: SocketAddr::from(([192, 0, 2, 1], port)),
            rtcp: SocketAddr::from(([192, 0, 2, 1], port + 1)),
        };
        LocalMedia {
            audio: Some(a(5000)),
            video: Some(a(5002)),
        }
    }

    #[test]
    fn the_h264_payload_type_is_the_one_the_olc_names() {
        let caps = MediaCapabilities::cascade_default();
        let h264 = |chs: &[MediaChannel], d: Direction| {
            chs.iter()
                .find(|c| {
                    c.direction == d && matches!(c.codec, Codec::Video(VideoCodec::H264 { .. }))
                })
                .map(|c| c.payload_type)
        };
        // Ours: 109 both ways, and the answer echoes it back to the caller.
        let (answers, opened) = answer(&propose(&caps, &local()), &caps, &local());
        assert_eq!(h264(&opened, Direction::Transmit), Some(109));
        assert_eq!(h264(&opened, Direction::Receive), Some(109));
        assert_eq!(
            h264(&accepted(&answers, &local()), Direction::Transmit),
            Some(109)
        );
        // A caller that numbers H.264 97: the callee sends with 97 and expects 97.
        let (answers, opened) = answer(&offer_with_h264_pt(&caps, &local(), 97), &caps, &local());
        assert_eq!(h264(&opened, Direction::Transmit), Some(97));
        assert_eq!(h264(&opened, Direction::Receive), Some(97));
        let seen = accepted(&answers, &local());
        assert_eq!(h264(&seen, Direction::Transmit), Some(97));
        assert_eq!(h264(&seen, Direction::Receive), Some(97));
        // G.711 keeps its static types.
        let audio: Vec<u8> = opened
            .iter()
            .filter(|c| matches!(c.codec, Codec::Audio(_)))
            .map(|c| c.payload_type)
            .collect();
        assert!(audio.iter().all(|pt| [0, 8].contains(pt)), "{audio:?}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// A whole offer and answer through the stencils, against rasn coding every channel.
        #[test]
        fn offer_and_answer_code_as_rasn_does(
            ours in (pair(), pair()),
            theirs in (pair(), pair()),
            g711a in any::<bool>(),
        ) {
            let mut caps = MediaCapabilities::cascade_default();
            if !g711a {
                caps.audio.retain(|a| *a != AudioCodec::Pcma);
            }
            let caller = LocalMedia { audio: ours.0, video: ours.1 };
            let callee = LocalMedia { audio: theirs.0, video: theirs.1 };
            let offer = propose(&caps, &caller);
            prop_assert_eq!(&offer, &rasn_all(&proposals(&caps, &caller)));
            let (answers, opened) = answer(&offer, &caps, &callee);
            for (bytes, ch) in answers.iter().zip(&opened) {
                let olc: OpenLogicalChannel = rasn::aper::decode(bytes).unwrap();
                prop_assert_eq!(olc.forward_logical_channel_number.0, ch.number);
                prop_assert_eq!(&rasn::aper::encode(&olc).unwrap(), bytes);
            }
            let seen = accepted(&answers, &caller);
            prop_assert_eq!(seen.len(), opened.len());
        }
    }
}
