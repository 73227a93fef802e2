//! H.245 messages built straight from the generated rasn structs, shared by the
//! H.245 oracle tests, the H.225.0 fastStart tests and the benchmarks (which
//! include this file by path).
#![allow(dead_code)]

use std::net::{Ipv4Addr, SocketAddrV4};

use h323::asn::h245::*;
use rasn::types::{GeneralString, Ia5String, ObjectIdentifier, OctetString, SetOf};

/// H.245 version 13 (`itu-t recommendation h 245 version(0) 13`).
pub fn h245_protocol_id() -> ObjectIdentifier {
    ObjectIdentifier::new_unchecked(vec![0, 0, 8, 245, 0, 13].into())
}

pub fn unicast(a: SocketAddrV4) -> TransportAddress {
    TransportAddress::unicastAddress(UnicastAddress::iPAddress(UnicastAddressIPAddress::new(
        OctetString::from_slice(&a.ip().octets()),
        a.port(),
    )))
}

pub fn g711_alaw() -> AudioCapability {
    AudioCapability::g711Alaw64k(20)
}

pub fn g711_ulaw() -> AudioCapability {
    AudioCapability::g711Ulaw64k(20)
}

/// H.264 as a generic video capability (H.241): profile baseline, level 2.2.
pub fn h264() -> VideoCapability {
    let param = |id: u8, v: ParameterValue| {
        GenericParameter::new(ParameterIdentifier::standard(id), v, None)
    };
    VideoCapability::genericVideoCapability(GenericCapability::new(
        CapabilityIdentifier::standard(ObjectIdentifier::new_unchecked(
            vec![0, 0, 8, 241, 0, 0, 1].into(),
        )),
        Some(3840),
        Some(vec![
            param(41, ParameterValue::booleanArray(64)),
            param(42, ParameterValue::unsignedMin(29)),
        ]),
        None,
        None,
        None,
    ))
}

/// H.263 at CIF and QCIF, 30 fps.
pub fn h263() -> VideoCapability {
    VideoCapability::h263VideoCapability(H263VideoCapability::new(
        None,
        Some(1),
        Some(1),
        None,
        None,
        3840,
        false,
        false,
        false,
        false,
        false,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        false,
        None,
        None,
    ))
}

fn entry(n: u16, c: Capability) -> CapabilityTableEntry {
    CapabilityTableEntry::new(CapabilityTableEntryNumber(n), Some(c))
}

/// TerminalCapabilitySet: G.711 A-law and µ-law, H.264 (generic) and H.263,
/// one descriptor offering one audio and one video codec at a time.
pub fn tcs(seq: u8) -> TerminalCapabilitySet {
    let table = vec![
        entry(1, Capability::receiveAudioCapability(g711_alaw())),
        entry(2, Capability::receiveAudioCapability(g711_ulaw())),
        entry(3, Capability::receiveVideoCapability(h264())),
        entry(4, Capability::receiveVideoCapability(h263())),
    ];
    let alt = |v: &[u16]| {
        AlternativeCapabilitySet(v.iter().map(|n| CapabilityTableEntryNumber(*n)).collect())
    };
    let descriptor = CapabilityDescriptor::new(
        CapabilityDescriptorNumber(0),
        Some(SetOf::from_vec(vec![alt(&[1, 2]), alt(&[3, 4])])),
    );
    TerminalCapabilitySet::new(
        SequenceNumber(seq),
        h245_protocol_id(),
        None,
        Some(SetOf::from_vec(table)),
        Some(SetOf::from_vec(vec![descriptor])),
        None,
    )
}

pub fn h2250_params(session: u8, rtcp: SocketAddrV4) -> H2250LogicalChannelParameters {
    H2250LogicalChannelParameters::new(
        None,
        session,
        None,
        None,
        None,
        Some(unicast(rtcp)),
        None,
        Some(false),
        None,
        None,
        None,
        None,
        None,
        None,
    )
}

/// A fastStart-style OpenLogicalChannel proposal for G.711 (`alaw` or µ-law),
/// transmit direction, RTCP at 192.0.2.10:(5001 or 5003).
pub fn olc_g711(lcn: u16, alaw: bool) -> OpenLogicalChannel {
    let codec = if alaw { g711_alaw() } else { g711_ulaw() };
    let rtcp = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 10), if alaw { 5001 } else { 5003 });
    OpenLogicalChannel::new(
        LogicalChannelNumber(lcn),
        OpenLogicalChannelForwardLogicalChannelParameters::new(
            None,
            DataType::audioData(codec),
            OpenLogicalChannelForwardLogicalChannelParametersMultiplexParameters::h2250LogicalChannelParameters(
                h2250_params(1, rtcp),
            ),
            None,
            None,
        ),
        None,
        None,
        None,
        None,
    )
}

pub fn olc_ack(lcn: u16, rtp: SocketAddrV4, rtcp: SocketAddrV4) -> OpenLogicalChannelAck {
    OpenLogicalChannelAck::new(
        LogicalChannelNumber(lcn),
        None,
        None,
        Some(
            OpenLogicalChannelAckForwardMultiplexAckParameters::h2250LogicalChannelAckParameters(
                H2250LogicalChannelAckParameters::new(
                    None,
                    Some(1),
                    Some(unicast(rtp)),
                    Some(unicast(rtcp)),
                    None,
                    false,
                    None,
                ),
            ),
        ),
        None,
        None,
    )
}

pub fn request(r: RequestMessage) -> MultimediaSystemControlMessage {
    MultimediaSystemControlMessage::request(r)
}
pub fn response(r: ResponseMessage) -> MultimediaSystemControlMessage {
    MultimediaSystemControlMessage::response(r)
}
pub fn command(c: CommandMessage) -> MultimediaSystemControlMessage {
    MultimediaSystemControlMessage::command(c)
}
pub fn indication(i: IndicationMessage) -> MultimediaSystemControlMessage {
    MultimediaSystemControlMessage::indication(i)
}

/// One of each message kind the call layer uses, with the name tshark gives it.
pub fn all() -> Vec<(MultimediaSystemControlMessage, &'static str)> {
    let rtp = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 7), 6000);
    let rtcp = SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 7), 6001);
    vec![
        (
            request(RequestMessage::terminalCapabilitySet(tcs(1))),
            "terminalCapabilitySet",
        ),
        (
            response(ResponseMessage::terminalCapabilitySetAck(
                TerminalCapabilitySetAck::new(SequenceNumber(1), None),
            )),
            "terminalCapabilitySetAck",
        ),
        (
            response(ResponseMessage::terminalCapabilitySetReject(
                TerminalCapabilitySetReject::new(
                    SequenceNumber(1),
                    TerminalCapabilitySetRejectCause::unspecified(()),
                    None,
                ),
            )),
            "terminalCapabilitySetReject",
        ),
        (
            indication(IndicationMessage::terminalCapabilitySetRelease(
                TerminalCapabilitySetRelease::new(None),
            )),
            "terminalCapabilitySetRelease",
        ),
        (
            // What a session answers to a PDU that does not decode, quoting it.
            h323::h245::messages::syntax_error(Some(vec![0x00, 0x80, 0x01, 0x7f])),
            "functionNotSupported",
        ),
        (
            request(RequestMessage::masterSlaveDetermination(
                MasterSlaveDetermination::new(190, 8_388_607),
            )),
            "masterSlaveDetermination",
        ),
        (
            response(ResponseMessage::masterSlaveDeterminationAck(
                MasterSlaveDeterminationAck::new(MasterSlaveDeterminationAckDecision::slave(())),
            )),
            "masterSlaveDeterminationAck",
        ),
        (
            response(ResponseMessage::masterSlaveDeterminationReject(
                MasterSlaveDeterminationReject::new(
                    MasterSlaveDeterminationRejectCause::identicalNumbers(()),
                ),
            )),
            "masterSlaveDeterminationReject",
        ),
        (
            indication(IndicationMessage::masterSlaveDeterminationRelease(
                MasterSlaveDeterminationRelease::new(),
            )),
            "masterSlaveDeterminationRelease",
        ),
        (
            request(RequestMessage::openLogicalChannel(olc_g711(1, true))),
            "openLogicalChannel",
        ),
        (
            response(ResponseMessage::openLogicalChannelAck(olc_ack(
                1, rtp, rtcp,
            ))),
            "openLogicalChannelAck",
        ),
        (
            response(ResponseMessage::openLogicalChannelReject(
                OpenLogicalChannelReject::new(
                    LogicalChannelNumber(1),
                    OpenLogicalChannelRejectCause::dataTypeNotSupported(()),
                    None,
                ),
            )),
            "openLogicalChannelReject",
        ),
        (
            indication(IndicationMessage::openLogicalChannelConfirm(
                OpenLogicalChannelConfirm::new(LogicalChannelNumber(1), None),
            )),
            "openLogicalChannelConfirm",
        ),
        (
            request(RequestMessage::closeLogicalChannel(
                CloseLogicalChannel::new(
                    LogicalChannelNumber(1),
                    CloseLogicalChannelSource::user(()),
                    CloseLogicalChannelReason::unknown(()),
                ),
            )),
            "closeLogicalChannel",
        ),
        (
            response(ResponseMessage::closeLogicalChannelAck(
                CloseLogicalChannelAck::new(LogicalChannelNumber(1)),
            )),
            "closeLogicalChannelAck",
        ),
        (
            request(RequestMessage::requestChannelClose(
                RequestChannelClose::new(
                    LogicalChannelNumber(2),
                    None,
                    RequestChannelCloseReason::normal(()),
                ),
            )),
            "requestChannelClose",
        ),
        (
            request(RequestMessage::roundTripDelayRequest(
                RoundTripDelayRequest::new(SequenceNumber(7)),
            )),
            "roundTripDelayRequest",
        ),
        (
            response(ResponseMessage::roundTripDelayResponse(
                RoundTripDelayResponse::new(SequenceNumber(7)),
            )),
            "roundTripDelayResponse",
        ),
        (
            command(CommandMessage::endSessionCommand(
                EndSessionCommand::disconnect(()),
            )),
            "endSessionCommand",
        ),
        (
            command(CommandMessage::miscellaneousCommand(
                MiscellaneousCommand::new(
                    LogicalChannelNumber(2),
                    MiscellaneousCommandType::videoFastUpdatePicture(()),
                    None,
                ),
            )),
            "miscellaneousCommand",
        ),
        (
            command(CommandMessage::flowControlCommand(FlowControlCommand::new(
                FlowControlCommandScope::logicalChannelNumber(LogicalChannelNumber(2)),
                FlowControlCommandRestriction::maximumBitRate(3840),
            ))),
            "flowControlCommand",
        ),
        (
            indication(IndicationMessage::userInput(
                UserInputIndication::alphanumeric(GeneralString::try_from("5").unwrap()),
            )),
            "userInput",
        ),
        (
            indication(IndicationMessage::userInput(UserInputIndication::signal(
                UserInputIndicationSignal::new(
                    Ia5String::try_from("#").unwrap(),
                    Some(250),
                    None,
                    None,
                    None,
                    None,
                    None,
                ),
            ))),
            "userInput",
        ),
        // Built by our constructor, so that asn1tools judges it rather than the struct.
        (
            h323::h245::messages::terminal_number_assign(1, 7),
            "conferenceIndication",
        ),
        // What a session answers to requests it does not act on.
        (
            response(ResponseMessage::requestModeReject(RequestModeReject::new(
                SequenceNumber(4),
                RequestModeRejectCause::modeUnavailable(()),
            ))),
            "requestModeReject",
        ),
        (
            response(ResponseMessage::maintenanceLoopReject(
                MaintenanceLoopReject::new(
                    MaintenanceLoopRejectType::mediaLoop(LogicalChannelNumber(3)),
                    MaintenanceLoopRejectCause::canNotPerformLoop(()),
                ),
            )),
            "maintenanceLoopReject",
        ),
        (
            indication(IndicationMessage::functionNotUnderstood(
                FunctionNotUnderstood::request(RequestMessage::communicationModeRequest(
                    CommunicationModeRequest::new(),
                )),
            )),
            "functionNotUnderstood",
        ),
    ]
}
