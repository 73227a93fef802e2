//! The Cause information element (Q.931 4.5.12) and the Q.850 cause values it carries.

use std::fmt;

use super::codes::code_enum;

code_enum! {
    /// Q.850 cause value (7 bits), named as in Q.850 Table 1.
    pub enum CauseValue: 0x7f {
        /// 1
        UnallocatedNumber = 1 => "unallocated number",
        /// 2
        NoRouteToTransitNetwork = 2 => "no route to specified transit network",
        /// 3
        NoRouteToDestination = 3 => "no route to destination",
        /// 6
        ChannelUnacceptable = 6 => "channel unacceptable",
        /// 7
        CallAwardedInEstablishedChannel = 7 => "call awarded and being delivered in an established channel",
        /// 16
        NormalCallClearing = 16 => "normal call clearing",
        /// 17
        UserBusy = 17 => "user busy",
        /// 18
        NoUserResponding = 18 => "no user responding",
        /// 19
        NoAnswer = 19 => "no answer from user",
        /// 20
        SubscriberAbsent = 20 => "subscriber absent",
        /// 21
        CallRejected = 21 => "call rejected",
        /// 22
        NumberChanged = 22 => "number changed",
        /// 26
        NonSelectedUserClearing = 26 => "non-selected user clearing",
        /// 27
        DestinationOutOfOrder = 27 => "destination out of order",
        /// 28
        InvalidNumberFormat = 28 => "invalid number format",
        /// 29
        FacilityRejected = 29 => "facility rejected",
        /// 30
        ResponseToStatusEnquiry = 30 => "response to status enquiry",
        /// 31
        NormalUnspecified = 31 => "normal, unspecified",
        /// 34
        NoCircuitAvailable = 34 => "no circuit/channel available",
        /// 38
        NetworkOutOfOrder = 38 => "network out of order",
        /// 41
        TemporaryFailure = 41 => "temporary failure",
        /// 42
        SwitchingEquipmentCongestion = 42 => "switching equipment congestion",
        /// 43
        AccessInformationDiscarded = 43 => "access information discarded",
        /// 44
        RequestedCircuitNotAvailable = 44 => "requested circuit/channel not available",
        /// 47
        ResourceUnavailable = 47 => "resource unavailable, unspecified",
        /// 49
        QualityOfServiceNotAvailable = 49 => "quality of service not available",
        /// 50
        FacilityNotSubscribed = 50 => "requested facility not subscribed",
        /// 57
        BearerCapabilityNotAuthorized = 57 => "bearer capability not authorized",
        /// 58
        BearerCapabilityNotAvailable = 58 => "bearer capability not presently available",
        /// 63
        ServiceNotAvailable = 63 => "service or option not available, unspecified",
        /// 65
        BearerCapabilityNotImplemented = 65 => "bearer capability not implemented",
        /// 66
        ChannelTypeNotImplemented = 66 => "channel type not implemented",
        /// 69
        FacilityNotImplemented = 69 => "requested facility not implemented",
        /// 70
        OnlyRestrictedDigitalAvailable = 70 => "only restricted digital information bearer capability is available",
        /// 79
        ServiceNotImplemented = 79 => "service or option not implemented, unspecified",
        /// 81
        InvalidCallReference = 81 => "invalid call reference value",
        /// 82
        ChannelDoesNotExist = 82 => "identified channel does not exist",
        /// 88
        IncompatibleDestination = 88 => "incompatible destination",
        /// 91
        InvalidTransitNetwork = 91 => "invalid transit network selection",
        /// 95
        InvalidMessage = 95 => "invalid message, unspecified",
        /// 96
        MandatoryIeMissing = 96 => "mandatory information element is missing",
        /// 97
        MessageTypeNonexistent = 97 => "message type non-existent or not implemented",
        /// 98
        MessageNotCompatibleOrNonexistent = 98 => "message not compatible with call state or message type non-existent or not implemented",
        /// 99
        IeNonexistent = 99 => "information element non-existent or not implemented",
        /// 100
        InvalidIeContents = 100 => "invalid information element contents",
        /// 101
        MessageNotCompatibleWithCallState = 101 => "message not compatible with call state",
        /// 102
        RecoveryOnTimerExpiry = 102 => "recovery on timer expiry",
        /// 103
        ParameterNonexistent = 103 => "parameter non-existent or not implemented, passed on",
        /// 111
        ProtocolError = 111 => "protocol error, unspecified",
        /// 127
        Interworking = 127 => "interworking, unspecified",
    }
}

impl fmt::Display for CauseValue {
    /// `16 (normal call clearing)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.name())
    }
}

code_enum! {
    /// Where a cause or progress indication was generated (Q.931 4.5.12, octet 3, 4 bits).
    pub enum Location: 0x0f {
        /// User.
        User = 0 => "user",
        /// Private network serving the local user.
        PrivateLocal = 1 => "private network serving the local user",
        /// Public network serving the local user.
        PublicLocal = 2 => "public network serving the local user",
        /// Transit network.
        Transit = 3 => "transit network",
        /// Public network serving the remote user.
        PublicRemote = 4 => "public network serving the remote user",
        /// Private network serving the remote user.
        PrivateRemote = 5 => "private network serving the remote user",
        /// International network.
        International = 7 => "international network",
        /// Network beyond interworking point.
        BeyondInterworking = 10 => "network beyond interworking point",
    }
}

/// Cause IE, identifier 0x08.
///
/// Octet 3a (the optional "recommendation") is skipped on decode and never written: Q.850 says its
/// absence means Q.931, which is the only recommendation H.225.0 signalling uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cause {
    /// Coding standard, 2 bits: 0 = ITU-T.
    pub coding_standard: u8,
    /// Where the cause was generated.
    pub location: Location,
    /// The Q.850 cause value.
    pub value: CauseValue,
    /// Diagnostic octets (octet 5 onwards), kept as received.
    pub diagnostics: Vec<u8>,
}

impl Cause {
    /// An ITU-T coded cause generated by the user (an endpoint), without diagnostics.
    pub fn new(value: CauseValue) -> Self {
        Self {
            coding_standard: 0,
            location: Location::User,
            value,
            diagnostics: Vec::new(),
        }
    }

    /// Builder: the same cause with another location.
    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    pub(crate) fn decode(contents: &[u8]) -> Option<Self> {
        let (&octet3, mut rest) = contents.split_first()?;
        if octet3 & 0x80 == 0 {
            // Octet 3a follows: skip it.
            rest = rest.get(1..)?;
        }
        let (&octet4, diagnostics) = rest.split_first()?;
        Some(Self {
            coding_standard: (octet3 >> 5) & 0x03,
            location: Location::from_code(octet3),
            value: CauseValue::from_code(octet4),
            diagnostics: diagnostics.to_vec(),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.push(0x80 | (self.coding_standard & 0x03) << 5 | self.location.code());
        out.push(0x80 | self.value.code());
        out.extend_from_slice(&self.diagnostics);
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, location {}", self.value, self.location.name())
    }
}
