//! Builders for the h323-message-body alternatives a call uses, filling every
//! field H.225.0 v6 makes mandatory (protocolIdentifier, callIdentifier,
//! endpoint type, multipleCalls, maintainConnection, ...) with conformant values.
//!
//! Each builder is a plain struct with public fields: create it with `new`
//! (the identifiers that have no sensible default), set what the call needs,
//! then `build()` a [`Body`] for [`UserInfo::new`](super::UserInfo::new), or
//! `to_asn()` for the generated struct.

use std::net::SocketAddr;

use rasn::types::OctetString;

use super::alias::{bmp, opt_aliases, Alias, TextError};
use super::body::Body;
use super::common::{
    endpoint_type, protocol_identifier, transport_address, CallId, ConferenceId, EndpointKind,
    Vendor,
};
use crate::asn::h225::{
    AlertingUUIE, CallProceedingUUIE, CallType, ConnectUUIE, DisplayName, EndpointType,
    FacilityReason, FacilityUUIE, InformationUUIE, NotifyUUIE, ProgressUUIE, ReleaseCompleteReason,
    ReleaseCompleteUUIE, SetupUUIE, SetupUUIEConferenceGoal,
};

/// Why a builder could not produce its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A string field breaks its ASN.1 alphabet or size.
    #[error(transparent)]
    Text(#[from] TextError),
    /// A number outside its ASN.1 range (e.g. requestSeqNum 0).
    #[error("{field} = {value} is out of range")]
    OutOfRange {
        /// ASN.1 name of the field.
        field: &'static str,
        /// The value given.
        value: u64,
    },
}

/// How we describe ourselves in sourceInfo / destinationInfo / terminalType.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndpointInfo {
    /// Terminal, gateway or MCU.
    pub kind: EndpointKind,
    /// Whether we contain a multipoint controller (`mc`).
    pub mc: bool,
    /// Our vendor identification.
    pub vendor: Vendor,
}

impl EndpointInfo {
    /// An endpoint of `kind` with our vendor identifier; an MCU has `mc` set.
    pub fn new(kind: EndpointKind) -> Self {
        Self {
            kind,
            mc: kind == EndpointKind::Mcu,
            vendor: Vendor::cascade(),
        }
    }

    /// The ASN.1 `EndpointType`.
    pub fn to_asn(&self) -> EndpointType {
        endpoint_type(self.kind, self.mc, &self.vendor)
    }
}

impl Default for EndpointInfo {
    fn default() -> Self {
        Self::new(EndpointKind::Terminal)
    }
}

/// `conferenceGoal` of a Setup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ConferenceGoal {
    /// `create`: a new conference (a point-to-point call).
    #[default]
    Create,
    /// `join`: join the existing conference named by conferenceID.
    Join,
    /// `invite`: invite the called party into our conference.
    Invite,
}

impl ConferenceGoal {
    /// The ASN.1 CHOICE.
    pub fn to_asn(self) -> SetupUUIEConferenceGoal {
        match self {
            Self::Create => SetupUUIEConferenceGoal::create(()),
            Self::Join => SetupUUIEConferenceGoal::join(()),
            Self::Invite => SetupUUIEConferenceGoal::invite(()),
        }
    }

    /// From the ASN.1 CHOICE (`None` for capability-negotiation and
    /// callIndependentSupplementaryService).
    pub fn from_asn(g: &SetupUUIEConferenceGoal) -> Option<Self> {
        match g {
            SetupUUIEConferenceGoal::create(()) => Some(Self::Create),
            SetupUUIEConferenceGoal::join(()) => Some(Self::Join),
            SetupUUIEConferenceGoal::invite(()) => Some(Self::Invite),
            _ => None,
        }
    }
}

fn octets(v: &[Vec<u8>]) -> Option<Vec<OctetString>> {
    (!v.is_empty()).then(|| v.iter().map(|b| OctetString::from_slice(b)).collect())
}

fn display_name(name: &Option<String>) -> Result<Option<Vec<DisplayName>>, TextError> {
    name.as_deref()
        .map(|n| Ok(vec![DisplayName::new(None, bmp("displayName", n, 80)?)]))
        .transpose()
}

/// Setup-UUIE: a call to `destination_aliases` at `dest_call_signal_address`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Setup {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `conferenceID`.
    pub conference_id: ConferenceId,
    /// `conferenceGoal` (default create).
    pub conference_goal: ConferenceGoal,
    /// `sourceInfo`.
    pub source_info: EndpointInfo,
    /// `destinationAddress` (e.g. the conference number as dialedDigits).
    pub destination_aliases: Vec<Alias>,
    /// `sourceAddress`.
    pub source_aliases: Vec<Alias>,
    /// `destCallSignalAddress`.
    pub dest_call_signal_address: Option<SocketAddr>,
    /// `sourceCallSignalAddress`.
    pub source_call_signal_address: Option<SocketAddr>,
    /// `activeMC`: we have an active multipoint controller.
    pub active_mc: bool,
    /// `fastStart`: encoded OpenLogicalChannel proposals (empty: no fast start).
    pub fast_start: Vec<Vec<u8>>,
    /// `mediaWaitForConnect`.
    pub media_wait_for_connect: bool,
    /// `h245Address` (early H.245 on a separate connection).
    pub h245_address: Option<SocketAddr>,
    /// `displayName` (1..=80 characters).
    pub display_name: Option<String>,
}

impl Setup {
    /// A point-to-point Setup creating `conference_id`, from a terminal, with no
    /// aliases, addresses or fast start yet.
    pub fn new(call_id: CallId, conference_id: ConferenceId) -> Self {
        Self {
            call_id,
            conference_id,
            conference_goal: ConferenceGoal::Create,
            source_info: EndpointInfo::default(),
            destination_aliases: Vec::new(),
            source_aliases: Vec::new(),
            dest_call_signal_address: None,
            source_call_signal_address: None,
            active_mc: false,
            fast_start: Vec::new(),
            media_wait_for_connect: false,
            h245_address: None,
            display_name: None,
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> Result<SetupUUIE, BuildError> {
        Ok(SetupUUIE::new(
            protocol_identifier(),
            self.h245_address.map(transport_address),
            opt_aliases(&self.source_aliases)?,
            self.source_info.to_asn(),
            opt_aliases(&self.destination_aliases)?,
            self.dest_call_signal_address.map(transport_address),
            None,
            None,
            self.active_mc,
            self.conference_id.to_asn(),
            self.conference_goal.to_asn(),
            None,
            CallType::pointToPoint(()),
            self.source_call_signal_address.map(transport_address),
            None,
            self.call_id.to_asn(),
            None,
            None,
            None,
            octets(&self.fast_start),
            self.media_wait_for_connect,
            false,
            None,
            false,
            false,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            display_name(&self.display_name)?,
        ))
    }

    /// The message body.
    pub fn build(&self) -> Result<Body, BuildError> {
        Ok(Body::Setup(Box::new(self.to_asn()?)))
    }
}

/// CallProceeding-UUIE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallProceeding {
    /// `callIdentifier` (the Setup's).
    pub call_id: CallId,
    /// `destinationInfo`.
    pub destination_info: EndpointInfo,
    /// `h245Address`.
    pub h245_address: Option<SocketAddr>,
    /// `fastStart`: the accepted OpenLogicalChannel proposals.
    pub fast_start: Vec<Vec<u8>>,
    /// `fastConnectRefused`.
    pub fast_connect_refused: bool,
}

impl CallProceeding {
    /// A CallProceeding for `call_id` from a terminal.
    pub fn new(call_id: CallId) -> Self {
        Self {
            call_id,
            destination_info: EndpointInfo::default(),
            h245_address: None,
            fast_start: Vec::new(),
            fast_connect_refused: false,
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> CallProceedingUUIE {
        CallProceedingUUIE::new(
            protocol_identifier(),
            self.destination_info.to_asn(),
            self.h245_address.map(transport_address),
            self.call_id.to_asn(),
            None,
            None,
            None,
            octets(&self.fast_start),
            false,
            false,
            self.fast_connect_refused.then_some(()),
            None,
        )
    }

    /// The message body.
    pub fn build(&self) -> Body {
        Body::CallProceeding(Box::new(self.to_asn()))
    }
}

/// Alerting-UUIE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Alerting {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `destinationInfo`.
    pub destination_info: EndpointInfo,
    /// `h245Address`.
    pub h245_address: Option<SocketAddr>,
    /// `fastStart`.
    pub fast_start: Vec<Vec<u8>>,
    /// `fastConnectRefused`.
    pub fast_connect_refused: bool,
    /// `displayName`.
    pub display_name: Option<String>,
}

impl Alerting {
    /// An Alerting for `call_id` from a terminal.
    pub fn new(call_id: CallId) -> Self {
        Self {
            call_id,
            destination_info: EndpointInfo::default(),
            h245_address: None,
            fast_start: Vec::new(),
            fast_connect_refused: false,
            display_name: None,
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> Result<AlertingUUIE, BuildError> {
        Ok(AlertingUUIE::new(
            protocol_identifier(),
            self.destination_info.to_asn(),
            self.h245_address.map(transport_address),
            self.call_id.to_asn(),
            None,
            None,
            None,
            octets(&self.fast_start),
            false,
            false,
            None,
            None,
            None,
            self.fast_connect_refused.then_some(()),
            None,
            None,
            None,
            display_name(&self.display_name)?,
        ))
    }

    /// The message body.
    pub fn build(&self) -> Result<Body, BuildError> {
        Ok(Body::Alerting(Box::new(self.to_asn()?)))
    }
}

/// Connect-UUIE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connect {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `conferenceID` (the conference the call is now part of).
    pub conference_id: ConferenceId,
    /// `destinationInfo`.
    pub destination_info: EndpointInfo,
    /// `h245Address`.
    pub h245_address: Option<SocketAddr>,
    /// `fastStart`: the accepted proposals (fast connect answer).
    pub fast_start: Vec<Vec<u8>>,
    /// `fastConnectRefused`.
    pub fast_connect_refused: bool,
    /// `connectedAddress`.
    pub connected_aliases: Vec<Alias>,
    /// `displayName`.
    pub display_name: Option<String>,
}

impl Connect {
    /// A Connect for `call_id` in `conference_id`, from a terminal.
    pub fn new(call_id: CallId, conference_id: ConferenceId) -> Self {
        Self {
            call_id,
            conference_id,
            destination_info: EndpointInfo::default(),
            h245_address: None,
            fast_start: Vec::new(),
            fast_connect_refused: false,
            connected_aliases: Vec::new(),
            display_name: None,
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> Result<ConnectUUIE, BuildError> {
        Ok(ConnectUUIE::new(
            protocol_identifier(),
            self.h245_address.map(transport_address),
            self.destination_info.to_asn(),
            self.conference_id.to_asn(),
            self.call_id.to_asn(),
            None,
            None,
            None,
            octets(&self.fast_start),
            false,
            false,
            None,
            opt_aliases(&self.connected_aliases)?,
            None,
            None,
            self.fast_connect_refused.then_some(()),
            None,
            None,
            None,
            display_name(&self.display_name)?,
        ))
    }

    /// The message body.
    pub fn build(&self) -> Result<Body, BuildError> {
        Ok(Body::Connect(Box::new(self.to_asn()?)))
    }
}

/// ReleaseComplete-UUIE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReleaseComplete {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `reason`; absent when the Q.931 Cause says enough.
    pub reason: Option<ReleaseCompleteReason>,
    /// `displayName`.
    pub display_name: Option<String>,
}

impl ReleaseComplete {
    /// A ReleaseComplete for `call_id` with `reason`.
    pub fn new(call_id: CallId, reason: Option<ReleaseCompleteReason>) -> Self {
        Self {
            call_id,
            reason,
            display_name: None,
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> Result<ReleaseCompleteUUIE, BuildError> {
        Ok(ReleaseCompleteUUIE::new(
            protocol_identifier(),
            self.reason.clone(),
            self.call_id.to_asn(),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            display_name(&self.display_name)?,
        ))
    }

    /// The message body.
    pub fn build(&self) -> Result<Body, BuildError> {
        Ok(Body::ReleaseComplete(Box::new(self.to_asn()?)))
    }
}

/// Facility-UUIE: startH245 (with h245Address), forwarding (alternative
/// address/aliases), transportedInformation, undefinedReason, ...
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Facility {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `reason`.
    pub reason: FacilityReason,
    /// `conferenceID`.
    pub conference_id: Option<ConferenceId>,
    /// `h245Address` (with reason startH245).
    pub h245_address: Option<SocketAddr>,
    /// `alternativeAddress` (with reason callForwarded / routeCallToMC / ...).
    pub alternative_address: Option<SocketAddr>,
    /// `alternativeAliasAddress`.
    pub alternative_aliases: Vec<Alias>,
    /// `fastStart`.
    pub fast_start: Vec<Vec<u8>>,
}

impl Facility {
    /// A Facility for `call_id` with `reason` and nothing else.
    pub fn new(call_id: CallId, reason: FacilityReason) -> Self {
        Self {
            call_id,
            reason,
            conference_id: None,
            h245_address: None,
            alternative_address: None,
            alternative_aliases: Vec::new(),
            fast_start: Vec::new(),
        }
    }

    /// A Facility with reason startH245 asking the peer to open H.245 at `h245_address`.
    pub fn start_h245(call_id: CallId, h245_address: SocketAddr) -> Self {
        let mut f = Self::new(call_id, FacilityReason::startH245(()));
        f.h245_address = Some(h245_address);
        f
    }

    /// The generated struct.
    pub fn to_asn(&self) -> Result<FacilityUUIE, BuildError> {
        Ok(FacilityUUIE::new(
            protocol_identifier(),
            self.alternative_address.map(transport_address),
            opt_aliases(&self.alternative_aliases)?,
            self.conference_id.map(|c| c.to_asn()),
            self.reason.clone(),
            self.call_id.to_asn(),
            None,
            None,
            None,
            None,
            None,
            self.h245_address.map(transport_address),
            octets(&self.fast_start),
            false,
            false,
            None,
            None,
            None,
            None,
            None,
            None,
        ))
    }

    /// The message body.
    pub fn build(&self) -> Result<Body, BuildError> {
        Ok(Body::Facility(Box::new(self.to_asn()?)))
    }
}

/// Progress-UUIE (in-band tones or announcements before Connect).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `destinationInfo`.
    pub destination_info: EndpointInfo,
    /// `h245Address`.
    pub h245_address: Option<SocketAddr>,
    /// `fastStart`.
    pub fast_start: Vec<Vec<u8>>,
    /// `fastConnectRefused`.
    pub fast_connect_refused: bool,
}

impl Progress {
    /// A Progress for `call_id` from a terminal.
    pub fn new(call_id: CallId) -> Self {
        Self {
            call_id,
            destination_info: EndpointInfo::default(),
            h245_address: None,
            fast_start: Vec::new(),
            fast_connect_refused: false,
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> ProgressUUIE {
        ProgressUUIE::new(
            protocol_identifier(),
            self.destination_info.to_asn(),
            self.h245_address.map(transport_address),
            self.call_id.to_asn(),
            None,
            None,
            None,
            octets(&self.fast_start),
            false,
            false,
            self.fast_connect_refused.then_some(()),
        )
    }

    /// The message body.
    pub fn build(&self) -> Body {
        Body::Progress(Box::new(self.to_asn()))
    }
}

/// Information-UUIE (overlap digits travel in the Q.931 part).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Information {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `fastStart`.
    pub fast_start: Vec<Vec<u8>>,
}

impl Information {
    /// An Information for `call_id`.
    pub fn new(call_id: CallId) -> Self {
        Self {
            call_id,
            fast_start: Vec::new(),
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> InformationUUIE {
        InformationUUIE::new(
            protocol_identifier(),
            self.call_id.to_asn(),
            None,
            None,
            octets(&self.fast_start),
            None,
            None,
        )
    }

    /// The message body.
    pub fn build(&self) -> Body {
        Body::Information(Box::new(self.to_asn()))
    }
}

/// Notify-UUIE.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Notify {
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `connectedAddress`.
    pub connected_aliases: Vec<Alias>,
    /// `displayName`.
    pub display_name: Option<String>,
}

impl Notify {
    /// A Notify for `call_id`.
    pub fn new(call_id: CallId) -> Self {
        Self {
            call_id,
            connected_aliases: Vec::new(),
            display_name: None,
        }
    }

    /// The generated struct.
    pub fn to_asn(&self) -> Result<NotifyUUIE, BuildError> {
        Ok(NotifyUUIE::new(
            protocol_identifier(),
            self.call_id.to_asn(),
            None,
            None,
            opt_aliases(&self.connected_aliases)?,
            None,
            None,
            None,
            display_name(&self.display_name)?,
        ))
    }

    /// The message body.
    pub fn build(&self) -> Result<Body, BuildError> {
        Ok(Body::Notify(Box::new(self.to_asn()?)))
    }
}

/// The names of ReleaseCompleteReason alternatives, as in the ASN.1.
pub fn release_reason_name(r: &ReleaseCompleteReason) -> &'static str {
    use ReleaseCompleteReason as R;
    match r {
        R::noBandwidth(_) => "noBandwidth",
        R::gatekeeperResources(_) => "gatekeeperResources",
        R::unreachableDestination(_) => "unreachableDestination",
        R::destinationRejection(_) => "destinationRejection",
        R::invalidRevision(_) => "invalidRevision",
        R::noPermission(_) => "noPermission",
        R::unreachableGatekeeper(_) => "unreachableGatekeeper",
        R::gatewayResources(_) => "gatewayResources",
        R::badFormatAddress(_) => "badFormatAddress",
        R::adaptiveBusy(_) => "adaptiveBusy",
        R::inConf(_) => "inConf",
        R::undefinedReason(_) => "undefinedReason",
        R::facilityCallDeflection(_) => "facilityCallDeflection",
        R::securityDenied(_) => "securityDenied",
        R::calledPartyNotRegistered(_) => "calledPartyNotRegistered",
        R::callerNotRegistered(_) => "callerNotRegistered",
        R::newConnectionNeeded(_) => "newConnectionNeeded",
        R::nonStandardReason(_) => "nonStandardReason",
        R::replaceWithConferenceInvite(_) => "replaceWithConferenceInvite",
        R::genericDataReason(_) => "genericDataReason",
        R::neededFeatureNotSupported(_) => "neededFeatureNotSupported",
        R::tunnelledSignallingRejected(_) => "tunnelledSignallingRejected",
        R::invalidCID(_) => "invalidCID",
        R::securityError(_) => "securityError",
        R::hopCountExceeded(_) => "hopCountExceeded",
        _ => "unknown",
    }
}

/// The names of FacilityReason alternatives, as in the ASN.1.
pub fn facility_reason_name(r: &FacilityReason) -> &'static str {
    use FacilityReason as F;
    match r {
        F::routeCallToGatekeeper(_) => "routeCallToGatekeeper",
        F::callForwarded(_) => "callForwarded",
        F::routeCallToMC(_) => "routeCallToMC",
        F::undefinedReason(_) => "undefinedReason",
        F::conferenceListChoice(_) => "conferenceListChoice",
        F::startH245(_) => "startH245",
        F::noH245(_) => "noH245",
        F::newTokens(_) => "newTokens",
        F::featureSetUpdate(_) => "featureSetUpdate",
        F::forwardedElements(_) => "forwardedElements",
        F::transportedInformation(_) => "transportedInformation",
        _ => "unknown",
    }
}
