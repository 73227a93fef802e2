//! H.245 for the ladder: decodes a `MultimediaSystemControlMessage` (on its own connection or
//! tunnelled in H.225.0) and a fastStart `OpenLogicalChannel`, and picks the fields an operator
//! reads: codecs, channel numbers, media addresses, capability counts, decisions.

use h323::asn::h245::{
    CapabilityIdentifier, CommandMessage, DataType, GenericCapability, IndicationMessage,
    MultimediaSystemControlMessage, OpenLogicalChannel,
    OpenLogicalChannelAckForwardMultiplexAckParameters as AckMux,
    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters as FwdMux, RequestMessage,
    ResponseMessage, TransportAddress, UserInputIndication, VideoCapability,
};
use h323::h245::names;
use serde_json::Value;

use super::model::{per_error, Message, Protocol};
use super::names::choice_name;

/// Decodes `bytes` as a whole H.245 message; trailing bytes make it fail.
pub fn decode(bytes: &[u8]) -> Result<MultimediaSystemControlMessage, String> {
    let (msg, rest) = rasn::aper::decode_with_remainder::<MultimediaSystemControlMessage>(bytes)
        .map_err(|e| per_error("H.245 MultimediaSystemControlMessage", &e))?;
    if !rest.is_empty() {
        return Err(format!(
            "H.245 MultimediaSystemControlMessage: {} bytes left over after {} decoded",
            rest.len(),
            bytes.len() - rest.len()
        ));
    }
    Ok(msg)
}

/// Fills `m` (protocol, message name, category, details) from a decoded H.245 message.
pub fn describe(m: &mut Message, msg: &MultimediaSystemControlMessage) {
    m.protocol = Protocol::H245;
    m.message = names::message_name(msg).into();
    m.category = Some(names::category(msg));
    match msg {
        MultimediaSystemControlMessage::request(r) => request(m, r),
        MultimediaSystemControlMessage::response(r) => response(m, r),
        MultimediaSystemControlMessage::command(c) => command(m, c),
        MultimediaSystemControlMessage::indication(i) => indication(m, i),
        _ => {}
    }
}

fn request(m: &mut Message, r: &RequestMessage) {
    match r {
        RequestMessage::masterSlaveDetermination(x) => {
            m.detail("terminalType", x.terminal_type);
            m.detail("statusDeterminationNumber", x.status_determination_number);
        }
        RequestMessage::terminalCapabilitySet(x) => {
            m.detail("sequenceNumber", x.sequence_number.0);
            let entries = x.capability_table.as_ref().map_or(0, |t| t.len());
            let descriptors = x.capability_descriptors.as_ref().map_or(0, |t| t.len());
            m.detail("entries", entries);
            m.detail("descriptors", descriptors);
            if entries == 0 && descriptors == 0 {
                // H.323 clause 8.4.6: the empty set puts the far end on hold.
                m.detail("empty", true);
            }
        }
        RequestMessage::openLogicalChannel(x) => open_logical_channel(m, x),
        RequestMessage::closeLogicalChannel(x) => {
            m.detail("channel", x.forward_logical_channel_number.0);
            m.detail("source", choice_name(&x.source));
        }
        RequestMessage::requestChannelClose(x) => {
            m.detail("channel", x.forward_logical_channel_number.0);
        }
        RequestMessage::roundTripDelayRequest(x) => {
            m.detail("sequenceNumber", x.sequence_number.0);
        }
        _ => {}
    }
}

fn response(m: &mut Message, r: &ResponseMessage) {
    match r {
        ResponseMessage::masterSlaveDeterminationAck(x) => {
            m.detail("decision", choice_name(&x.decision));
        }
        ResponseMessage::terminalCapabilitySetAck(x) => {
            m.detail("sequenceNumber", x.sequence_number.0);
        }
        ResponseMessage::terminalCapabilitySetReject(x) => {
            m.detail("sequenceNumber", x.sequence_number.0);
            m.detail("cause", choice_name(&x.cause));
        }
        ResponseMessage::openLogicalChannelAck(x) => {
            m.detail("channel", x.forward_logical_channel_number.0);
            if let Some(AckMux::h2250LogicalChannelAckParameters(p)) =
                &x.forward_multiplex_ack_parameters
            {
                if let Some(a) = p.media_channel.as_ref().and_then(address) {
                    m.detail("mediaChannel", a);
                }
                if let Some(a) = p.media_control_channel.as_ref().and_then(address) {
                    m.detail("mediaControlChannel", a);
                }
            }
        }
        ResponseMessage::openLogicalChannelReject(x) => {
            m.detail("channel", x.forward_logical_channel_number.0);
            m.detail("cause", choice_name(&x.cause));
        }
        ResponseMessage::closeLogicalChannelAck(x) => {
            m.detail("channel", x.forward_logical_channel_number.0);
        }
        ResponseMessage::requestChannelCloseAck(x) => {
            m.detail("channel", x.forward_logical_channel_number.0);
        }
        ResponseMessage::requestModeAck(x) => {
            m.detail("response", choice_name(&x.response));
        }
        ResponseMessage::roundTripDelayResponse(x) => {
            m.detail("sequenceNumber", x.sequence_number.0);
        }
        _ => {}
    }
}

fn command(m: &mut Message, c: &CommandMessage) {
    match c {
        CommandMessage::endSessionCommand(x) => m.detail("command", choice_name(x)),
        CommandMessage::miscellaneousCommand(x) => {
            m.detail("channel", x.logical_channel_number.0);
            m.detail("type", choice_name(&x.r_type));
        }
        CommandMessage::flowControlCommand(x) => {
            m.detail("restriction", choice_name(&x.restriction));
        }
        _ => {}
    }
}

fn indication(m: &mut Message, i: &IndicationMessage) {
    match i {
        IndicationMessage::userInput(u) => {
            m.detail("userInput", choice_name(u));
            match u {
                UserInputIndication::alphanumeric(s) => {
                    m.detail("value", String::from_utf8_lossy(s.as_bytes()).into_owned());
                }
                UserInputIndication::signal(s) => {
                    m.detail("value", s.signal_type.to_string());
                    if let Some(d) = s.duration {
                        m.detail("duration", d);
                    }
                }
                _ => {}
            }
        }
        IndicationMessage::miscellaneousIndication(x) => {
            m.detail("channel", x.logical_channel_number.0);
            m.detail("type", choice_name(&x.r_type));
        }
        _ => {}
    }
}

fn open_logical_channel(m: &mut Message, x: &OpenLogicalChannel) {
    m.detail("channel", x.forward_logical_channel_number.0);
    let fwd = &x.forward_logical_channel_parameters;
    m.detail("codec", data_type(&fwd.data_type));
    if let Some(r) = &x.reverse_logical_channel_parameters {
        m.detail("reverseCodec", data_type(&r.data_type));
    }
    if let FwdMux::h2250LogicalChannelParameters(p) = &fwd.multiplex_parameters {
        m.detail("sessionID", p.session_id);
        if let Some(a) = p.media_channel.as_ref().and_then(address) {
            m.detail("mediaChannel", a);
        }
        if let Some(a) = p.media_control_channel.as_ref().and_then(address) {
            m.detail("mediaControlChannel", a);
        }
    }
}

/// A fastStart element: an encoded `OpenLogicalChannel`, summarised as `codec/direction`.
pub fn fast_start_entry(bytes: &[u8]) -> Value {
    match rasn::aper::decode::<OpenLogicalChannel>(bytes) {
        Ok(olc) => {
            let fwd = &olc.forward_logical_channel_parameters.data_type;
            match (&olc.reverse_logical_channel_parameters, fwd) {
                // A proposal to receive: the forward direction carries nullData.
                (Some(rev), DataType::nullData(())) => {
                    Value::from(format!("{}/reverse", data_type(&rev.data_type)))
                }
                _ => Value::from(format!("{}/forward", data_type(fwd))),
            }
        }
        Err(_) => Value::from("undecodable"),
    }
}

/// Codec (or other media) name of an H.245 `DataType`, by its ASN.1 choice names.
pub fn data_type(d: &DataType) -> String {
    match d {
        DataType::audioData(a) => match a {
            h323::asn::h245::AudioCapability::genericAudioCapability(g) => generic(g),
            other => choice_name(other).into(),
        },
        DataType::videoData(v) => match v {
            VideoCapability::genericVideoCapability(g) => generic(g),
            other => choice_name(other).into(),
        },
        DataType::data(app) => match &app.application {
            h323::asn::h245::DataApplicationCapabilityApplication::genericDataCapability(g) => {
                generic(g)
            }
            other => choice_name(other).into(),
        },
        other => choice_name(other).into(),
    }
}

fn generic(g: &GenericCapability) -> String {
    match &g.capability_identifier {
        CapabilityIdentifier::standard(oid) => {
            let dotted: Vec<String> = oid.iter().map(|n| n.to_string()).collect();
            let dotted = dotted.join(".");
            // The generic capabilities met most often, named as their Recommendations name them.
            let known = match dotted.as_str() {
                "0.0.8.241.0.0.1" => Some("H.264"),
                "0.0.7.7221.1.0" => Some("G.722.1"),
                "0.0.7.7221.1.1.0" => Some("G.722.1C"),
                "0.0.7.719.1" => Some("G.719"),
                _ => None,
            };
            known.map_or(dotted, str::to_owned)
        }
        other => choice_name(other).into(),
    }
}

/// `ip:port` of an H.245 unicast transport address.
fn address(a: &TransportAddress) -> Option<String> {
    h323::h245::messages::socket_address(a).map(|s| s.to_string())
}
