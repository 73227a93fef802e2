//! [`UserInfo`]: an H323-UserInformation (the PER contents of the Q.931
//! User-user information element) as a message body plus the H323-UU-PDU fields
//! the call layer uses: H.245 tunnelling and tunnelled H.245 PDUs.
//!
//! Decoding goes through private mirrors of H323-UserInformation/H323-UU-PDU that
//! differ from the generated types in two ways, both on the receive side only:
//! the body accepts unknown extension alternatives ([`Body::Unknown`]), and
//! `h245Tunnelling` (an extension addition that is mandatory from v2 on, absent
//! from v1 peers) may be missing. The encoding is the same: the oracle tests
//! check it against asn1tools.

use std::net::SocketAddr;

use rasn::types::{OctetString, SequenceOf};
use rasn::{AsnType, Decode, Decoder, Encode, Encoder};

use super::alias::{aliases_from_asn, bmp_to_string, Alias};
use super::body::{Body, BodyWire};
use super::common::{socket_addr, CallId, ConferenceId};
use crate::asn::h225::{
    CallLinkage, DisplayName, EndpointType, FacilityReason, GenericData,
    H323UUPDUTunnelledSignallingMessage, H323UserInformationUserData, NonStandardParameter,
    ProtocolIdentifier, ReleaseCompleteReason, SetupUUIEConferenceGoal, StimulusControl,
    TransportAddress,
};
use crate::per::{self, PerError};

#[derive(AsnType, Debug, Clone, Decode, Encode, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "H323-UserInformation")]
#[non_exhaustive]
struct UserInformationWire {
    #[rasn(identifier = "h323-uu-pdu")]
    h323_uu_pdu: UuPduWire,
    #[rasn(identifier = "user-data")]
    user_data: Option<H323UserInformationUserData>,
}

#[derive(AsnType, Debug, Clone, Decode, Encode, PartialEq, Eq)]
#[rasn(automatic_tags, identifier = "H323-UU-PDU")]
#[non_exhaustive]
struct UuPduWire {
    #[rasn(identifier = "h323-message-body")]
    h323_message_body: BodyWire,
    #[rasn(identifier = "nonStandardData")]
    non_standard_data: Option<NonStandardParameter>,
    #[rasn(extension_addition, identifier = "h4501SupplementaryService")]
    h4501_supplementary_service: Option<SequenceOf<OctetString>>,
    // Mandatory in the ASN.1; Option so that a v1 peer's message (without it) decodes.
    #[rasn(extension_addition, identifier = "h245Tunnelling")]
    h245_tunnelling: Option<bool>,
    #[rasn(extension_addition, identifier = "h245Control")]
    h245_control: Option<SequenceOf<OctetString>>,
    #[rasn(extension_addition, identifier = "nonStandardControl")]
    non_standard_control: Option<SequenceOf<NonStandardParameter>>,
    #[rasn(extension_addition, identifier = "callLinkage")]
    call_linkage: Option<CallLinkage>,
    #[rasn(extension_addition, identifier = "tunnelledSignallingMessage")]
    tunnelled_signalling_message: Option<H323UUPDUTunnelledSignallingMessage>,
    #[rasn(extension_addition, identifier = "provisionalRespToH245Tunnelling")]
    provisional_resp_to_h245_tunnelling: Option<()>,
    #[rasn(extension_addition, identifier = "stimulusControl")]
    stimulus_control: Option<StimulusControl>,
    #[rasn(extension_addition, identifier = "genericData")]
    generic_data: Option<SequenceOf<GenericData>>,
}

/// The H323-UU-PDU fields beyond the body, tunnelling and h245Control, kept so
/// that a decoded message re-encodes the same. The call layer rarely needs them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct UuExtras {
    /// `nonStandardData`
    pub non_standard_data: Option<NonStandardParameter>,
    /// `h4501SupplementaryService` (H.450 APDUs)
    pub h4501_supplementary_service: Option<Vec<OctetString>>,
    /// `nonStandardControl`
    pub non_standard_control: Option<Vec<NonStandardParameter>>,
    /// `callLinkage`
    pub call_linkage: Option<CallLinkage>,
    /// `tunnelledSignallingMessage` (e.g. Cisco's tunnelled QSIG)
    pub tunnelled_signalling_message: Option<H323UUPDUTunnelledSignallingMessage>,
    /// `provisionalRespToH245Tunnelling`
    pub provisional_resp_to_h245_tunnelling: bool,
    /// `stimulusControl`
    pub stimulus_control: Option<StimulusControl>,
    /// `genericData`
    pub generic_data: Option<Vec<GenericData>>,
    /// `user-data` of H323-UserInformation
    pub user_data: Option<H323UserInformationUserData>,
}

/// A value of a message that [`super::stencil`] writes in place.
pub(crate) enum Place<'a> {
    /// A call or conference identifier (GloballyUniqueID).
    Id(&'a mut [u8; 16]),
    /// A fastStart element or a tunnelled H.245 PDU.
    Octets(&'a mut OctetString),
}

/// One H.225.0 call-signalling message (H323-UserInformation).
///
/// Build with [`UserInfo::new`] from a [`Body`] (see [`super::build`]), set the
/// H.245 fields, then [`encode`](UserInfo::encode); or
/// [`decode`](UserInfo::decode) received octets and read them through the
/// accessors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    body: Body,
    h245_tunnelling: Option<bool>,
    h245_control: Option<Vec<OctetString>>,
    extras: UuExtras,
}

static NO_OCTETS: [OctetString; 0] = [];

impl UserInfo {
    /// A message with `body`, `h245Tunnelling` FALSE and no h245Control.
    pub fn new(body: impl Into<Body>) -> Self {
        Self {
            body: body.into(),
            h245_tunnelling: Some(false),
            h245_control: None,
            extras: UuExtras::default(),
        }
    }

    /// Sets `h245Tunnelling`.
    pub fn with_h245_tunnelling(mut self, on: bool) -> Self {
        self.h245_tunnelling = Some(on);
        self
    }

    /// Sets `h245Control`: each element one encoded H.245
    /// MultimediaSystemControlMessage. An empty list leaves the field out.
    pub fn with_h245_control<B: Into<OctetString>>(
        mut self,
        pdus: impl IntoIterator<Item = B>,
    ) -> Self {
        let v: Vec<OctetString> = pdus.into_iter().map(Into::into).collect();
        self.h245_control = (!v.is_empty()).then_some(v);
        self
    }

    /// Decodes an H323-UserInformation.
    pub fn decode(bytes: &[u8]) -> Result<Self, PerError> {
        let w: UserInformationWire = per::decode(bytes)?;
        let p = w.h323_uu_pdu;
        Ok(Self {
            body: p.h323_message_body.into(),
            h245_tunnelling: p.h245_tunnelling,
            h245_control: p.h245_control,
            extras: UuExtras {
                non_standard_data: p.non_standard_data,
                h4501_supplementary_service: p.h4501_supplementary_service,
                non_standard_control: p.non_standard_control,
                call_linkage: p.call_linkage,
                tunnelled_signalling_message: p.tunnelled_signalling_message,
                provisional_resp_to_h245_tunnelling: p
                    .provisional_resp_to_h245_tunnelling
                    .is_some(),
                stimulus_control: p.stimulus_control,
                generic_data: p.generic_data,
                user_data: w.user_data,
            },
        })
    }

    /// Encodes to aligned PER.
    pub fn encode(&self) -> Result<Vec<u8>, PerError> {
        let e = &self.extras;
        let body = BodyWire::from_body(self.body.clone()).ok_or(PerError::UnknownAlternative {
            type_name: "H323-UU-PDU.h323-message-body",
            index: match self.body {
                Body::Unknown { index, .. } => index,
                _ => 0,
            },
        })?;
        per::encode(&UserInformationWire {
            h323_uu_pdu: UuPduWire {
                h323_message_body: body,
                non_standard_data: e.non_standard_data.clone(),
                h4501_supplementary_service: e.h4501_supplementary_service.clone(),
                h245_tunnelling: self.h245_tunnelling,
                h245_control: self.h245_control.clone(),
                non_standard_control: e.non_standard_control.clone(),
                call_linkage: e.call_linkage.clone(),
                tunnelled_signalling_message: e.tunnelled_signalling_message.clone(),
                provisional_resp_to_h245_tunnelling: e
                    .provisional_resp_to_h245_tunnelling
                    .then_some(()),
                stimulus_control: e.stimulus_control.clone(),
                generic_data: e.generic_data.clone(),
            },
            user_data: e.user_data.clone(),
        })
    }

    /// The message body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The message body, mutable.
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.body
    }

    /// The octet strings of a message that change from call to call, for
    /// [`super::stencil`]: the call identifier, the conference identifier, each fastStart
    /// element and each tunnelled H.245 PDU, in that order. `None` for the bodies not coded
    /// through stencils (see there).
    pub(crate) fn places_mut(&mut self) -> Option<Vec<Place<'_>>> {
        let mut places = Vec::new();
        let (call_id, conference_id, fast_start) = match &mut self.body {
            Body::CallProceeding(b) => (Some(&mut b.call_identifier), None, b.fast_start.as_mut()),
            Body::Alerting(b) => (Some(&mut b.call_identifier), None, b.fast_start.as_mut()),
            Body::Connect(b) => (
                Some(&mut b.call_identifier),
                Some(&mut b.conference_id),
                b.fast_start.as_mut(),
            ),
            Body::Facility(b) => (
                Some(&mut b.call_identifier),
                b.conference_id.as_mut(),
                b.fast_start.as_mut(),
            ),
            Body::Progress(b) => (Some(&mut b.call_identifier), None, b.fast_start.as_mut()),
            Body::ReleaseComplete(b) => (Some(&mut b.call_identifier), None, None),
            Body::Empty => (None, None, None),
            _ => return None,
        };
        places.extend(call_id.map(|c| Place::Id(&mut c.guid.0)));
        places.extend(conference_id.map(|c| Place::Id(&mut c.0 .0)));
        places.extend(fast_start.into_iter().flatten().map(Place::Octets));
        places.extend(self.h245_control.iter_mut().flatten().map(Place::Octets));
        Some(places)
    }

    /// The message body, by value.
    pub fn into_body(self) -> Body {
        self.body
    }

    /// The other H323-UU-PDU fields.
    pub fn extras(&self) -> &UuExtras {
        &self.extras
    }

    /// The other H323-UU-PDU fields, mutable.
    pub fn extras_mut(&mut self) -> &mut UuExtras {
        &mut self.extras
    }

    /// The body's ASN.1 name (`"setup"`, `"connect"`, `"empty"`, ...).
    pub fn body_name(&self) -> &'static str {
        self.body.name()
    }

    /// `h245Tunnelling`; FALSE when a v1 peer left it out.
    pub fn h245_tunnelling(&self) -> bool {
        self.h245_tunnelling.unwrap_or(false)
    }

    /// Whether the message carried `h245Tunnelling` at all (H.225.0 v1 did not).
    pub fn has_h245_tunnelling(&self) -> bool {
        self.h245_tunnelling.is_some()
    }

    /// The tunnelled H.245 PDUs (`h245Control`), in order.
    pub fn h245_control(&self) -> &[OctetString] {
        self.h245_control.as_deref().unwrap_or(&NO_OCTETS)
    }

    /// The fastStart elements (each an encoded OpenLogicalChannel) of a setup,
    /// callProceeding, alerting, connect, facility, progress or information body.
    pub fn fast_start(&self) -> &[OctetString] {
        let fs = match &self.body {
            Body::Setup(b) => &b.fast_start,
            Body::CallProceeding(b) => &b.fast_start,
            Body::Alerting(b) => &b.fast_start,
            Body::Connect(b) => &b.fast_start,
            Body::Facility(b) => &b.fast_start,
            Body::Progress(b) => &b.fast_start,
            Body::Information(b) => &b.fast_start,
            _ => &None,
        };
        fs.as_deref().unwrap_or(&NO_OCTETS)
    }

    /// `fastConnectRefused` of a callProceeding, alerting, connect, facility,
    /// progress or information body.
    pub fn fast_connect_refused(&self) -> bool {
        match &self.body {
            Body::CallProceeding(b) => b.fast_connect_refused.is_some(),
            Body::Alerting(b) => b.fast_connect_refused.is_some(),
            Body::Connect(b) => b.fast_connect_refused.is_some(),
            Body::Facility(b) => b.fast_connect_refused.is_some(),
            Body::Progress(b) => b.fast_connect_refused.is_some(),
            Body::Information(b) => b.fast_connect_refused.is_some(),
            _ => false,
        }
    }

    fn h245_transport(&self) -> Option<&TransportAddress> {
        match &self.body {
            Body::Setup(b) => b.h245_address.as_ref(),
            Body::CallProceeding(b) => b.h245_address.as_ref(),
            Body::Alerting(b) => b.h245_address.as_ref(),
            Body::Connect(b) => b.h245_address.as_ref(),
            Body::Facility(b) => b.h245_address.as_ref(),
            Body::Progress(b) => b.h245_address.as_ref(),
            _ => None,
        }
    }

    /// `h245Address` as a socket address (IPv4/IPv6 only).
    pub fn h245_address(&self) -> Option<SocketAddr> {
        self.h245_transport().and_then(socket_addr)
    }

    /// `destinationAddress` of a setup.
    pub fn destination_aliases(&self) -> Vec<Alias> {
        match &self.body {
            Body::Setup(b) => aliases_from_asn(b.destination_address.as_ref()),
            _ => Vec::new(),
        }
    }

    /// `sourceAddress` of a setup.
    pub fn source_aliases(&self) -> Vec<Alias> {
        match &self.body {
            Body::Setup(b) => aliases_from_asn(b.source_address.as_ref()),
            _ => Vec::new(),
        }
    }

    /// `destCallSignalAddress` of a setup.
    pub fn dest_call_signal_address(&self) -> Option<SocketAddr> {
        match &self.body {
            Body::Setup(b) => b.dest_call_signal_address.as_ref().and_then(socket_addr),
            _ => None,
        }
    }

    /// `sourceCallSignalAddress` of a setup.
    pub fn source_call_signal_address(&self) -> Option<SocketAddr> {
        match &self.body {
            Body::Setup(b) => b.source_call_signal_address.as_ref().and_then(socket_addr),
            _ => None,
        }
    }

    /// `conferenceGoal` of a setup.
    pub fn conference_goal(&self) -> Option<&SetupUUIEConferenceGoal> {
        match &self.body {
            Body::Setup(b) => Some(&b.conference_goal),
            _ => None,
        }
    }

    /// `activeMC` of a setup.
    pub fn active_mc(&self) -> bool {
        matches!(&self.body, Body::Setup(b) if b.active_mc)
    }

    /// `mediaWaitForConnect` of a setup.
    pub fn media_wait_for_connect(&self) -> bool {
        matches!(&self.body, Body::Setup(b) if b.media_wait_for_connect)
    }

    /// `callIdentifier` (every body of a call carries it; `None` for `empty`,
    /// status bodies and unknown ones).
    pub fn call_identifier(&self) -> Option<CallId> {
        let c = match &self.body {
            Body::Setup(b) => &b.call_identifier,
            Body::CallProceeding(b) => &b.call_identifier,
            Body::Connect(b) => &b.call_identifier,
            Body::Alerting(b) => &b.call_identifier,
            Body::Information(b) => &b.call_identifier,
            Body::ReleaseComplete(b) => &b.call_identifier,
            Body::Facility(b) => &b.call_identifier,
            Body::Progress(b) => &b.call_identifier,
            Body::Status(b) => &b.call_identifier,
            Body::StatusInquiry(b) => &b.call_identifier,
            Body::SetupAcknowledge(b) => &b.call_identifier,
            Body::Notify(b) => &b.call_identifier,
            _ => return None,
        };
        Some(CallId::from_asn(c))
    }

    /// `conferenceID` of a setup, connect or facility.
    pub fn conference_id(&self) -> Option<ConferenceId> {
        match &self.body {
            Body::Setup(b) => Some(ConferenceId::from_asn(&b.conference_id)),
            Body::Connect(b) => Some(ConferenceId::from_asn(&b.conference_id)),
            Body::Facility(b) => b.conference_id.as_ref().map(ConferenceId::from_asn),
            _ => None,
        }
    }

    /// `reason` of a releaseComplete.
    pub fn release_reason(&self) -> Option<&ReleaseCompleteReason> {
        match &self.body {
            Body::ReleaseComplete(b) => b.reason.as_ref(),
            _ => None,
        }
    }

    /// `reason` of a facility.
    pub fn facility_reason(&self) -> Option<&FacilityReason> {
        match &self.body {
            Body::Facility(b) => Some(&b.reason),
            _ => None,
        }
    }

    /// The first `displayName` of a setup, alerting, connect, releaseComplete
    /// or notify.
    pub fn display_name(&self) -> Option<String> {
        let d: &Option<Vec<DisplayName>> = match &self.body {
            Body::Setup(b) => &b.display_name,
            Body::Alerting(b) => &b.display_name,
            Body::Connect(b) => &b.display_name,
            Body::ReleaseComplete(b) => &b.display_name,
            Body::Notify(b) => &b.display_name,
            _ => return None,
        };
        d.as_ref()?.first().map(|n| bmp_to_string(&n.name))
    }

    /// `sourceInfo` of a setup, `destinationInfo` of a callProceeding, alerting,
    /// connect or progress (and of releaseComplete, facility, notify if sent).
    pub fn endpoint_type(&self) -> Option<&EndpointType> {
        match &self.body {
            Body::Setup(b) => Some(&b.source_info),
            Body::CallProceeding(b) => Some(&b.destination_info),
            Body::Alerting(b) => Some(&b.destination_info),
            Body::Connect(b) => Some(&b.destination_info),
            Body::Progress(b) => Some(&b.destination_info),
            Body::ReleaseComplete(b) => b.destination_info.as_ref(),
            Body::Facility(b) => b.destination_info.as_ref(),
            Body::Notify(b) => b.destination_info.as_ref(),
            _ => None,
        }
    }

    /// The body's `protocolIdentifier` (see [`super::protocol_version`]).
    pub fn protocol_identifier(&self) -> Option<&ProtocolIdentifier> {
        Some(match &self.body {
            Body::Setup(b) => &b.protocol_identifier,
            Body::CallProceeding(b) => &b.protocol_identifier,
            Body::Connect(b) => &b.protocol_identifier,
            Body::Alerting(b) => &b.protocol_identifier,
            Body::Information(b) => &b.protocol_identifier,
            Body::ReleaseComplete(b) => &b.protocol_identifier,
            Body::Facility(b) => &b.protocol_identifier,
            Body::Progress(b) => &b.protocol_identifier,
            Body::Status(b) => &b.protocol_identifier,
            Body::StatusInquiry(b) => &b.protocol_identifier,
            Body::SetupAcknowledge(b) => &b.protocol_identifier,
            Body::Notify(b) => &b.protocol_identifier,
            _ => return None,
        })
    }
}
