//! Constructors that wrap H.245 PDUs into `MultimediaSystemControlMessage`, plus the few
//! PDUs whose generated constructors take a page of arguments (OpenLogicalChannel and its ack,
//! commands and indications). The procedures in `msd` and `session` speak through these.

use std::net::{IpAddr, SocketAddr};

use h323_asn1::h245::{
    CloseLogicalChannel, CloseLogicalChannelAck, CloseLogicalChannelReason,
    CloseLogicalChannelSource, CommandMessage, ConferenceIndication, DataType, EndSessionCommand,
    FlowControlCommand, FlowControlCommandRestriction, FlowControlCommandScope,
    FunctionNotSupported, FunctionNotSupportedCause, H2250LogicalChannelAckParameters,
    H2250LogicalChannelParameters, H2250LogicalChannelParametersMediaPacketization,
    IndicationMessage, LogicalChannelNumber, MasterSlaveDetermination, MasterSlaveDeterminationAck,
    MasterSlaveDeterminationReject, MasterSlaveDeterminationRelease, McuNumber,
    MiscellaneousCommand, MiscellaneousCommandType, MultimediaSystemControlMessage as Msg,
    OpenLogicalChannel, OpenLogicalChannelAck, OpenLogicalChannelAckForwardMultiplexAckParameters,
    OpenLogicalChannelConfirm, OpenLogicalChannelForwardLogicalChannelParameters,
    OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters as FwdMux,
    OpenLogicalChannelReject, OpenLogicalChannelRejectCause,
    OpenLogicalChannelReverseLogicalChannelParameters,
    OpenLogicalChannelReverseLogicalChannelParametersMultiplexParameters as RevMux, RTPPayloadType,
    RTPPayloadTypePayloadDescriptor, RequestChannelClose, RequestChannelCloseReason,
    RequestMessage, ResponseMessage, RoundTripDelayRequest, RoundTripDelayResponse, SequenceNumber,
    TerminalCapabilitySet, TerminalCapabilitySetAck, TerminalCapabilitySetReject,
    TerminalCapabilitySetRejectCause, TerminalCapabilitySetRelease, TerminalLabel, TerminalNumber,
    TransportAddress, UnicastAddress, UnicastAddressIP6Address, UnicastAddressIPAddress,
    UserInputIndication,
};
use rasn::types::OctetString;

use super::capabilities::{oid, Codec, VideoCodec, H264_PACKETIZATION_MODE1_OID};

pub(crate) fn request_msd(m: MasterSlaveDetermination) -> Msg {
    Msg::request(RequestMessage::masterSlaveDetermination(m))
}
pub(crate) fn response_msd_ack(m: MasterSlaveDeterminationAck) -> Msg {
    Msg::response(ResponseMessage::masterSlaveDeterminationAck(m))
}
pub(crate) fn response_msd_reject(m: MasterSlaveDeterminationReject) -> Msg {
    Msg::response(ResponseMessage::masterSlaveDeterminationReject(m))
}
pub(crate) fn indication_msd_release(m: MasterSlaveDeterminationRelease) -> Msg {
    Msg::indication(IndicationMessage::masterSlaveDeterminationRelease(m))
}

/// `terminalCapabilitySet`.
pub fn tcs(t: TerminalCapabilitySet) -> Msg {
    Msg::request(RequestMessage::terminalCapabilitySet(t))
}
/// `terminalCapabilitySetAck`.
pub fn tcs_ack(seq: u8) -> Msg {
    Msg::response(ResponseMessage::terminalCapabilitySetAck(
        TerminalCapabilitySetAck::new(SequenceNumber(seq), None),
    ))
}
/// `terminalCapabilitySetReject` with cause `unspecified`.
pub fn tcs_reject(seq: u8) -> Msg {
    Msg::response(ResponseMessage::terminalCapabilitySetReject(
        TerminalCapabilitySetReject::new(
            SequenceNumber(seq),
            TerminalCapabilitySetRejectCause::unspecified(()),
            None,
        ),
    ))
}
/// `terminalCapabilitySetRelease` (sent when T101 expires).
pub fn tcs_release() -> Msg {
    Msg::indication(IndicationMessage::terminalCapabilitySetRelease(
        TerminalCapabilitySetRelease::new(None),
    ))
}
/// `roundTripDelayRequest`.
pub fn rtd_request(seq: u8) -> Msg {
    Msg::request(RequestMessage::roundTripDelayRequest(
        RoundTripDelayRequest::new(SequenceNumber(seq)),
    ))
}
/// `roundTripDelayResponse`.
pub fn rtd_response(seq: u8) -> Msg {
    Msg::response(ResponseMessage::roundTripDelayResponse(
        RoundTripDelayResponse::new(SequenceNumber(seq)),
    ))
}
/// `functionNotSupported` with cause `syntaxError`, returning the PDU that did not decode when
/// one is given.
pub fn syntax_error(returned: Option<Vec<u8>>) -> Msg {
    Msg::indication(IndicationMessage::functionNotSupported(
        FunctionNotSupported::new(
            FunctionNotSupportedCause::syntaxError(()),
            returned.map(Into::into),
        ),
    ))
}
/// `endSessionCommand` `disconnect`.
pub fn end_session() -> Msg {
    Msg::command(CommandMessage::endSessionCommand(
        EndSessionCommand::disconnect(()),
    ))
}
/// `miscellaneousCommand` `videoFastUpdatePicture` for the channel we receive video on.
pub fn video_fast_update(lcn: u16) -> Msg {
    Msg::command(CommandMessage::miscellaneousCommand(
        MiscellaneousCommand::new(
            LogicalChannelNumber(lcn),
            MiscellaneousCommandType::videoFastUpdatePicture(()),
            None,
        ),
    ))
}
/// `flowControlCommand` limiting a channel to `max_bit_rate` (units of 100 bit/s), or lifting it.
pub fn flow_control(lcn: u16, max_bit_rate: Option<u32>) -> Msg {
    Msg::command(CommandMessage::flowControlCommand(FlowControlCommand::new(
        FlowControlCommandScope::logicalChannelNumber(LogicalChannelNumber(lcn)),
        match max_bit_rate {
            Some(r) => FlowControlCommandRestriction::maximumBitRate(r.min(16_777_215)),
            None => FlowControlCommandRestriction::noRestriction(()),
        },
    )))
}
/// `userInput` `alphanumeric` (H.245 basicString DTMF or text).
pub fn user_input(text: &str) -> Msg {
    Msg::indication(IndicationMessage::userInput(
        UserInputIndication::alphanumeric(
            rasn::types::GeneralString::try_from(text.as_bytes().to_vec()).unwrap_or_default(),
        ),
    ))
}
/// `conferenceIndication` `terminalNumberAssign`: an MCU tells a terminal its label in the
/// conference (H.245 and H.243), which it does once the terminal is in.
pub fn terminal_number_assign(mcu: u8, terminal: u8) -> Msg {
    Msg::indication(IndicationMessage::conferenceIndication(
        ConferenceIndication::terminalNumberAssign(TerminalLabel::new(
            McuNumber(mcu.min(192)),
            TerminalNumber(terminal.min(192)),
        )),
    ))
}
/// `closeLogicalChannel` from the user (not the LCSE).
pub fn close_channel(lcn: u16) -> Msg {
    Msg::request(RequestMessage::closeLogicalChannel(
        CloseLogicalChannel::new(
            LogicalChannelNumber(lcn),
            CloseLogicalChannelSource::user(()),
            CloseLogicalChannelReason::unknown(()),
        ),
    ))
}
/// `closeLogicalChannelAck`.
pub fn close_channel_ack(lcn: u16) -> Msg {
    Msg::response(ResponseMessage::closeLogicalChannelAck(
        CloseLogicalChannelAck::new(LogicalChannelNumber(lcn)),
    ))
}
/// `requestChannelClose` asking the peer to close a channel it transmits to us.
pub fn request_channel_close(lcn: u16) -> Msg {
    Msg::request(RequestMessage::requestChannelClose(
        RequestChannelClose::new(
            LogicalChannelNumber(lcn),
            None,
            RequestChannelCloseReason::normal(()),
        ),
    ))
}
/// `openLogicalChannelReject`.
pub fn olc_reject(lcn: u16, cause: OpenLogicalChannelRejectCause) -> Msg {
    Msg::response(ResponseMessage::openLogicalChannelReject(
        OpenLogicalChannelReject::new(LogicalChannelNumber(lcn), cause, None),
    ))
}
/// `openLogicalChannelConfirm` (bidirectional channels).
pub fn olc_confirm(lcn: u16) -> Msg {
    Msg::indication(IndicationMessage::openLogicalChannelConfirm(
        OpenLogicalChannelConfirm::new(LogicalChannelNumber(lcn), None),
    ))
}

/// An H.245 unicast transport address from a socket address.
pub fn transport_address(addr: SocketAddr) -> TransportAddress {
    TransportAddress::unicastAddress(match addr.ip() {
        IpAddr::V4(ip) => UnicastAddress::iPAddress(UnicastAddressIPAddress::new(
            OctetString::from(ip.octets().to_vec()),
            addr.port(),
        )),
        IpAddr::V6(ip) => UnicastAddress::iP6Address(UnicastAddressIP6Address::new(
            OctetString::from(ip.octets().to_vec()),
            addr.port(),
        )),
    })
}

/// The socket address of an H.245 unicast transport address, if it is IPv4 or IPv6.
pub fn socket_address(t: &TransportAddress) -> Option<SocketAddr> {
    match t {
        TransportAddress::unicastAddress(UnicastAddress::iPAddress(a)) => {
            let o: [u8; 4] = a.network.as_ref().try_into().ok()?;
            Some(SocketAddr::from((o, a.tsap_identifier)))
        }
        TransportAddress::unicastAddress(UnicastAddress::iP6Address(a)) => {
            let o: [u8; 16] = a.network.as_ref().try_into().ok()?;
            Some(SocketAddr::from((o, a.tsap_identifier)))
        }
        _ => None,
    }
}

/// H.225.0 RTP parameters for a channel: session, the addresses we give, and for H.264 the
/// dynamic payload type with its H.241 packetization descriptor.
pub fn h2250_parameters(
    codec: Codec,
    media: Option<SocketAddr>,
    media_control: Option<SocketAddr>,
) -> H2250LogicalChannelParameters {
    let (dynamic_pt, packetization) = match codec {
        Codec::Video(VideoCodec::H264 { .. }) => (
            Some(codec.payload_type()),
            Some(
                H2250LogicalChannelParametersMediaPacketization::rtpPayloadType(
                    RTPPayloadType::new(
                        RTPPayloadTypePayloadDescriptor::oid(oid(H264_PACKETIZATION_MODE1_OID)),
                        Some(codec.payload_type()),
                    ),
                ),
            ),
        ),
        _ => (None, None),
    };
    H2250LogicalChannelParameters::new(
        None,
        codec.session_id(),
        None,
        media.map(transport_address),
        None,
        media_control.map(transport_address),
        None,
        matches!(codec, Codec::Audio(_)).then_some(false),
        None,
        dynamic_pt,
        packetization,
        None,
        None,
        None,
    )
}

/// A unidirectional OpenLogicalChannel on which we transmit `codec`; `media_control` is our
/// RTCP address (the peer answers with its RTP address in the ack).
pub fn olc_transmit(lcn: u16, codec: Codec, media_control: SocketAddr) -> OpenLogicalChannel {
    OpenLogicalChannel::new(
        LogicalChannelNumber(lcn),
        OpenLogicalChannelForwardLogicalChannelParameters::new(
            None,
            codec.data_type(),
            FwdMux::h2250LogicalChannelParameters(h2250_parameters(
                codec,
                None,
                Some(media_control),
            )),
            None,
            None,
        ),
        None,
        None,
        None,
        None,
    )
}

/// A fastStart proposal for a channel the peer transmits to us (H.323 clause 8.1.7.1): the
/// forward direction is null data and the reverse parameters carry our RTP and RTCP addresses.
pub fn olc_fast_start_receive(
    lcn: u16,
    codec: Codec,
    media: SocketAddr,
    media_control: SocketAddr,
) -> OpenLogicalChannel {
    OpenLogicalChannel::new(
        LogicalChannelNumber(lcn),
        OpenLogicalChannelForwardLogicalChannelParameters::new(
            None,
            DataType::nullData(()),
            FwdMux::none(()),
            None,
            None,
        ),
        Some(OpenLogicalChannelReverseLogicalChannelParameters::new(
            codec.data_type(),
            Some(RevMux::h2250LogicalChannelParameters(h2250_parameters(
                codec,
                Some(media),
                Some(media_control),
            ))),
            None,
            None,
        )),
        None,
        None,
        None,
    )
}

/// `openLogicalChannelAck` for a channel the peer transmits to us: our RTP and RTCP addresses.
pub fn olc_ack(lcn: u16, session_id: u8, media: SocketAddr, media_control: SocketAddr) -> Msg {
    Msg::response(ResponseMessage::openLogicalChannelAck(OpenLogicalChannelAck::new(
        LogicalChannelNumber(lcn),
        None,
        None,
        Some(OpenLogicalChannelAckForwardMultiplexAckParameters::h2250LogicalChannelAckParameters(
            H2250LogicalChannelAckParameters::new(
                None,
                Some(session_id),
                Some(transport_address(media)),
                Some(transport_address(media_control)),
                None,
                false,
                None,
            ),
        )),
        None,
        None,
    )))
}

/// `openLogicalChannel` wrapped as a request.
pub fn olc(o: OpenLogicalChannel) -> Msg {
    Msg::request(RequestMessage::openLogicalChannel(o))
}

/// Our RTP and RTCP addresses from the ack of a channel we transmit on.
pub fn ack_addresses(ack: &OpenLogicalChannelAck) -> (Option<SocketAddr>, Option<SocketAddr>) {
    match &ack.forward_multiplex_ack_parameters {
        Some(
            OpenLogicalChannelAckForwardMultiplexAckParameters::h2250LogicalChannelAckParameters(p),
        ) => (
            p.media_channel.as_ref().and_then(socket_address),
            p.media_control_channel.as_ref().and_then(socket_address),
        ),
        _ => (None, None),
    }
}

/// The RTP payload type a channel of `codec` carries under `params`: a dynamic type the OLC
/// names (`dynamicRTPPayloadType`, or the `payloadType` of its `rtpPayloadType`
/// packetization), else the codec's own (PCMU 0, PCMA 8; for H.264 ours, 109). The OLC that
/// describes a channel names its dynamic type, and both ends use it: in H.245 the side that
/// opens the channel writes that OLC, in fastStart the caller writes the proposals for both
/// directions and the callee accepts them as they are.
pub fn channel_payload_type(codec: Codec, params: Option<&H2250LogicalChannelParameters>) -> u8 {
    let named = params.and_then(|p| {
        p.dynamic_rtppayload_type.or(match &p.media_packetization {
            Some(H2250LogicalChannelParametersMediaPacketization::rtpPayloadType(t)) => {
                t.payload_type.filter(|pt| (96..=127).contains(pt))
            }
            _ => None,
        })
    });
    match codec {
        Codec::Video(_) => named.unwrap_or(codec.payload_type()),
        // G.711 has static payload types.
        Codec::Audio(_) => codec.payload_type(),
    }
}

/// The H.225.0 RTP parameters of an OpenLogicalChannel, forward or reverse.
pub fn olc_forward_h2250(o: &OpenLogicalChannel) -> Option<&H2250LogicalChannelParameters> {
    match &o.forward_logical_channel_parameters.multiplex_parameters {
        FwdMux::h2250LogicalChannelParameters(p) => Some(p),
        _ => None,
    }
}

/// The reverse H.225.0 parameters of an OpenLogicalChannel (fastStart receive proposals).
pub fn olc_reverse_h2250(o: &OpenLogicalChannel) -> Option<&H2250LogicalChannelParameters> {
    match o
        .reverse_logical_channel_parameters
        .as_ref()?
        .multiplex_parameters
        .as_ref()?
    {
        RevMux::h2250LogicalChannelParameters(p) => Some(p),
        _ => None,
    }
}
