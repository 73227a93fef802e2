//! Names of H.245 messages, spelled as in the ASN.1 module MULTIMEDIA-SYSTEM-CONTROL
//! (and so as tshark prints them): `terminalCapabilitySet`, `openLogicalChannelAck`,
//! `userInput`, ...
//!
//! Generated from the rasn types' variant list (see `names_cover_every_alternative`
//! below, which fails when the generated enums change); an alternative unknown to
//! this build is named `"unknown"`.

use crate::asn::h245::{
    CommandMessage, IndicationMessage, MultimediaSystemControlMessage, RequestMessage,
    ResponseMessage,
};

/// The inner message name: for `request(terminalCapabilitySet(..))` it is
/// `"terminalCapabilitySet"`.
pub fn message_name(m: &MultimediaSystemControlMessage) -> &'static str {
    match m {
        MultimediaSystemControlMessage::request(r) => request_name(r),
        MultimediaSystemControlMessage::response(r) => response_name(r),
        MultimediaSystemControlMessage::command(c) => command_name(c),
        MultimediaSystemControlMessage::indication(i) => indication_name(i),
        _ => "unknown",
    }
}

/// The outer alternative: `"request"`, `"response"`, `"command"` or `"indication"`.
pub fn category(m: &MultimediaSystemControlMessage) -> &'static str {
    match m {
        MultimediaSystemControlMessage::request(_) => "request",
        MultimediaSystemControlMessage::response(_) => "response",
        MultimediaSystemControlMessage::command(_) => "command",
        MultimediaSystemControlMessage::indication(_) => "indication",
        _ => "unknown",
    }
}

/// The ASN.1 name of the alternative of a RequestMessage.
pub fn request_name(m: &RequestMessage) -> &'static str {
    match m {
        RequestMessage::nonStandard(_) => "nonStandard",
        RequestMessage::masterSlaveDetermination(_) => "masterSlaveDetermination",
        RequestMessage::terminalCapabilitySet(_) => "terminalCapabilitySet",
        RequestMessage::openLogicalChannel(_) => "openLogicalChannel",
        RequestMessage::closeLogicalChannel(_) => "closeLogicalChannel",
        RequestMessage::requestChannelClose(_) => "requestChannelClose",
        RequestMessage::multiplexEntrySend(_) => "multiplexEntrySend",
        RequestMessage::requestMultiplexEntry(_) => "requestMultiplexEntry",
        RequestMessage::requestMode(_) => "requestMode",
        RequestMessage::roundTripDelayRequest(_) => "roundTripDelayRequest",
        RequestMessage::maintenanceLoopRequest(_) => "maintenanceLoopRequest",
        RequestMessage::communicationModeRequest(_) => "communicationModeRequest",
        RequestMessage::conferenceRequest(_) => "conferenceRequest",
        RequestMessage::multilinkRequest(_) => "multilinkRequest",
        RequestMessage::logicalChannelRateRequest(_) => "logicalChannelRateRequest",
        RequestMessage::genericRequest(_) => "genericRequest",
        _ => "unknown",
    }
}

/// The ASN.1 name of the alternative of a ResponseMessage.
pub fn response_name(m: &ResponseMessage) -> &'static str {
    match m {
        ResponseMessage::nonStandard(_) => "nonStandard",
        ResponseMessage::masterSlaveDeterminationAck(_) => "masterSlaveDeterminationAck",
        ResponseMessage::masterSlaveDeterminationReject(_) => "masterSlaveDeterminationReject",
        ResponseMessage::terminalCapabilitySetAck(_) => "terminalCapabilitySetAck",
        ResponseMessage::terminalCapabilitySetReject(_) => "terminalCapabilitySetReject",
        ResponseMessage::openLogicalChannelAck(_) => "openLogicalChannelAck",
        ResponseMessage::openLogicalChannelReject(_) => "openLogicalChannelReject",
        ResponseMessage::closeLogicalChannelAck(_) => "closeLogicalChannelAck",
        ResponseMessage::requestChannelCloseAck(_) => "requestChannelCloseAck",
        ResponseMessage::requestChannelCloseReject(_) => "requestChannelCloseReject",
        ResponseMessage::multiplexEntrySendAck(_) => "multiplexEntrySendAck",
        ResponseMessage::multiplexEntrySendReject(_) => "multiplexEntrySendReject",
        ResponseMessage::requestMultiplexEntryAck(_) => "requestMultiplexEntryAck",
        ResponseMessage::requestMultiplexEntryReject(_) => "requestMultiplexEntryReject",
        ResponseMessage::requestModeAck(_) => "requestModeAck",
        ResponseMessage::requestModeReject(_) => "requestModeReject",
        ResponseMessage::roundTripDelayResponse(_) => "roundTripDelayResponse",
        ResponseMessage::maintenanceLoopAck(_) => "maintenanceLoopAck",
        ResponseMessage::maintenanceLoopReject(_) => "maintenanceLoopReject",
        ResponseMessage::communicationModeResponse(_) => "communicationModeResponse",
        ResponseMessage::conferenceResponse(_) => "conferenceResponse",
        ResponseMessage::multilinkResponse(_) => "multilinkResponse",
        ResponseMessage::logicalChannelRateAcknowledge(_) => "logicalChannelRateAcknowledge",
        ResponseMessage::logicalChannelRateReject(_) => "logicalChannelRateReject",
        ResponseMessage::genericResponse(_) => "genericResponse",
        _ => "unknown",
    }
}

/// The ASN.1 name of the alternative of a CommandMessage.
pub fn command_name(m: &CommandMessage) -> &'static str {
    match m {
        CommandMessage::nonStandard(_) => "nonStandard",
        CommandMessage::maintenanceLoopOffCommand(_) => "maintenanceLoopOffCommand",
        CommandMessage::sendTerminalCapabilitySet(_) => "sendTerminalCapabilitySet",
        CommandMessage::encryptionCommand(_) => "encryptionCommand",
        CommandMessage::flowControlCommand(_) => "flowControlCommand",
        CommandMessage::endSessionCommand(_) => "endSessionCommand",
        CommandMessage::miscellaneousCommand(_) => "miscellaneousCommand",
        CommandMessage::communicationModeCommand(_) => "communicationModeCommand",
        CommandMessage::conferenceCommand(_) => "conferenceCommand",
        CommandMessage::h223MultiplexReconfiguration(_) => "h223MultiplexReconfiguration",
        CommandMessage::newATMVCCommand(_) => "newATMVCCommand",
        CommandMessage::mobileMultilinkReconfigurationCommand(_) => {
            "mobileMultilinkReconfigurationCommand"
        }
        CommandMessage::genericCommand(_) => "genericCommand",
        _ => "unknown",
    }
}

/// The ASN.1 name of the alternative of an IndicationMessage.
pub fn indication_name(m: &IndicationMessage) -> &'static str {
    match m {
        IndicationMessage::nonStandard(_) => "nonStandard",
        IndicationMessage::functionNotUnderstood(_) => "functionNotUnderstood",
        IndicationMessage::masterSlaveDeterminationRelease(_) => "masterSlaveDeterminationRelease",
        IndicationMessage::terminalCapabilitySetRelease(_) => "terminalCapabilitySetRelease",
        IndicationMessage::openLogicalChannelConfirm(_) => "openLogicalChannelConfirm",
        IndicationMessage::requestChannelCloseRelease(_) => "requestChannelCloseRelease",
        IndicationMessage::multiplexEntrySendRelease(_) => "multiplexEntrySendRelease",
        IndicationMessage::requestMultiplexEntryRelease(_) => "requestMultiplexEntryRelease",
        IndicationMessage::requestModeRelease(_) => "requestModeRelease",
        IndicationMessage::miscellaneousIndication(_) => "miscellaneousIndication",
        IndicationMessage::jitterIndication(_) => "jitterIndication",
        IndicationMessage::h223SkewIndication(_) => "h223SkewIndication",
        IndicationMessage::newATMVCIndication(_) => "newATMVCIndication",
        IndicationMessage::userInput(_) => "userInput",
        IndicationMessage::h2250MaximumSkewIndication(_) => "h2250MaximumSkewIndication",
        IndicationMessage::mcLocationIndication(_) => "mcLocationIndication",
        IndicationMessage::conferenceIndication(_) => "conferenceIndication",
        IndicationMessage::vendorIdentification(_) => "vendorIdentification",
        IndicationMessage::functionNotSupported(_) => "functionNotSupported",
        IndicationMessage::multilinkIndication(_) => "multilinkIndication",
        IndicationMessage::logicalChannelRateRelease(_) => "logicalChannelRateRelease",
        IndicationMessage::flowControlIndication(_) => "flowControlIndication",
        IndicationMessage::mobileMultilinkReconfigurationIndication(_) => {
            "mobileMultilinkReconfigurationIndication"
        }
        IndicationMessage::genericIndication(_) => "genericIndication",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rasn::types::Choice;

    /// Every ASN.1 identifier of the generated enums has an arm above: the arms'
    /// names, in order, equal rasn's identifier list.
    #[test]
    fn names_cover_every_alternative() {
        assert_eq!(
            <RequestMessage as Choice>::IDENTIFIERS,
            &[
                "nonStandard",
                "masterSlaveDetermination",
                "terminalCapabilitySet",
                "openLogicalChannel",
                "closeLogicalChannel",
                "requestChannelClose",
                "multiplexEntrySend",
                "requestMultiplexEntry",
                "requestMode",
                "roundTripDelayRequest",
                "maintenanceLoopRequest",
                "communicationModeRequest",
                "conferenceRequest",
                "multilinkRequest",
                "logicalChannelRateRequest",
                "genericRequest"
            ][..]
        );
        assert_eq!(
            <ResponseMessage as Choice>::IDENTIFIERS,
            &[
                "nonStandard",
                "masterSlaveDeterminationAck",
                "masterSlaveDeterminationReject",
                "terminalCapabilitySetAck",
                "terminalCapabilitySetReject",
                "openLogicalChannelAck",
                "openLogicalChannelReject",
                "closeLogicalChannelAck",
                "requestChannelCloseAck",
                "requestChannelCloseReject",
                "multiplexEntrySendAck",
                "multiplexEntrySendReject",
                "requestMultiplexEntryAck",
                "requestMultiplexEntryReject",
                "requestModeAck",
                "requestModeReject",
                "roundTripDelayResponse",
                "maintenanceLoopAck",
                "maintenanceLoopReject",
                "communicationModeResponse",
                "conferenceResponse",
                "multilinkResponse",
                "logicalChannelRateAcknowledge",
                "logicalChannelRateReject",
                "genericResponse"
            ][..]
        );
        assert_eq!(
            <CommandMessage as Choice>::IDENTIFIERS,
            &[
                "nonStandard",
                "maintenanceLoopOffCommand",
                "sendTerminalCapabilitySet",
                "encryptionCommand",
                "flowControlCommand",
                "endSessionCommand",
                "miscellaneousCommand",
                "communicationModeCommand",
                "conferenceCommand",
                "h223MultiplexReconfiguration",
                "newATMVCCommand",
                "mobileMultilinkReconfigurationCommand",
                "genericCommand"
            ][..]
        );
        assert_eq!(
            <IndicationMessage as Choice>::IDENTIFIERS,
            &[
                "nonStandard",
                "functionNotUnderstood",
                "masterSlaveDeterminationRelease",
                "terminalCapabilitySetRelease",
                "openLogicalChannelConfirm",
                "requestChannelCloseRelease",
                "multiplexEntrySendRelease",
                "requestMultiplexEntryRelease",
                "requestModeRelease",
                "miscellaneousIndication",
                "jitterIndication",
                "h223SkewIndication",
                "newATMVCIndication",
                "userInput",
                "h2250MaximumSkewIndication",
                "mcLocationIndication",
                "conferenceIndication",
                "vendorIdentification",
                "functionNotSupported",
                "multilinkIndication",
                "logicalChannelRateRelease",
                "flowControlIndication",
                "mobileMultilinkReconfigurationIndication",
                "genericIndication"
            ][..]
        );
    }
}
