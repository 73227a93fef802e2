//! The H.225.0 user-information of a call: which [`crate::h225::build`] message the state
//! machine sends in each situation, and the few fields it reads back from a received
//! [`UserInfo`]. The builders and views themselves live in [`crate::h225`]; this module holds
//! only the call's choices (what goes where, and the Q.850 ↔ H.225.0 reason pairing).

use std::net::SocketAddr;

use h323_asn1::h225::{FacilityReason, ReleaseCompleteReason};

use crate::h225::build::{Alerting, CallProceeding, Connect, Facility, ReleaseComplete, Setup};
use crate::h225::{
    endpoint_kind, protocol_version, Body, CallId, ConferenceId, EndpointInfo, UserInfo,
};
pub use crate::h225::{release_reason_name, Alias, EndpointKind};

/// The user-information of one outgoing message: body plus the H323-UU-PDU fields the call
/// sets on every message.
pub struct Uu {
    /// The body.
    pub body: Body,
    /// `h245Tunnelling`.
    pub tunnelling: bool,
    /// `h245Control`: encoded H.245 PDUs.
    pub h245_control: Vec<Vec<u8>>,
}

impl Uu {
    /// Encodes into PER bytes for the Q.931 User-user IE.
    pub fn encode(self) -> Vec<u8> {
        // Every field is built from validated values, so encoding cannot fail; if it ever did,
        // an empty user-user IE makes the peer answer with a Status instead of us panicking.
        let info = UserInfo::new(self.body)
            .with_h245_tunnelling(self.tunnelling)
            .with_h245_control(self.h245_control);
        crate::h225::stencil::encode(info).unwrap_or_default()
    }
}

/// Aliases that fit their ASN.1 constraints; a bad one is left out rather than failing the call.
fn valid(aliases: &[Alias]) -> Vec<Alias> {
    aliases
        .iter()
        .filter(|a| a.to_asn().is_ok())
        .cloned()
        .collect()
}

fn display(d: Option<&str>) -> Option<String> {
    // displayName is 1..=80 characters.
    d.map(|d| d.chars().take(80).collect::<String>())
        .filter(|d| !d.is_empty())
}

/// Parameters of our Setup.
pub struct SetupParams<'a> {
    /// Our kind.
    pub kind: EndpointKind,
    /// `sourceAddress`.
    pub source: &'a [Alias],
    /// `destinationAddress`.
    pub destination: &'a [Alias],
    /// `destCallSignalAddress`.
    pub dest_address: SocketAddr,
    /// `sourceCallSignalAddress`.
    pub source_address: Option<SocketAddr>,
    /// `conferenceID`.
    pub conference_id: [u8; 16],
    /// `callIdentifier`.
    pub call_id: [u8; 16],
    /// `fastStart`.
    pub fast_start: Vec<Vec<u8>>,
    /// `h245Address`.
    pub h245_address: Option<SocketAddr>,
    /// `displayName`.
    pub display: Option<&'a str>,
}

/// setup.
pub fn setup(p: SetupParams<'_>) -> Body {
    let mut s = Setup::new(CallId(p.call_id), ConferenceId(p.conference_id));
    s.source_info = EndpointInfo::new(p.kind);
    s.source_aliases = valid(p.source);
    s.destination_aliases = valid(p.destination);
    s.dest_call_signal_address = Some(p.dest_address);
    s.source_call_signal_address = p.source_address;
    s.fast_start = p.fast_start;
    s.h245_address = p.h245_address;
    s.display_name = display(p.display);
    s.build().unwrap_or(Body::Empty)
}

/// callProceeding.
pub fn call_proceeding(kind: EndpointKind, call_id: [u8; 16], fast_start: Vec<Vec<u8>>) -> Body {
    let mut m = CallProceeding::new(CallId(call_id));
    m.destination_info = EndpointInfo::new(kind);
    m.fast_start = fast_start;
    m.build()
}

/// alerting.
pub fn alerting(kind: EndpointKind, call_id: [u8; 16], fast_start: Vec<Vec<u8>>) -> Body {
    let mut m = Alerting::new(CallId(call_id));
    m.destination_info = EndpointInfo::new(kind);
    m.fast_start = fast_start;
    m.build().unwrap_or(Body::Empty)
}

/// connect.
pub fn connect(
    kind: EndpointKind,
    conference_id: [u8; 16],
    call_id: [u8; 16],
    fast_start: Vec<Vec<u8>>,
    h245: Option<SocketAddr>,
    display_name: Option<&str>,
) -> Body {
    let mut m = Connect::new(CallId(call_id), ConferenceId(conference_id));
    m.destination_info = EndpointInfo::new(kind);
    m.fast_start = fast_start;
    m.h245_address = h245;
    m.display_name = display(display_name);
    m.build().unwrap_or(Body::Empty)
}

/// releaseComplete.
pub fn release_complete(call_id: [u8; 16], reason: Option<ReleaseCompleteReason>) -> Body {
    ReleaseComplete::new(CallId(call_id), reason)
        .build()
        .unwrap_or(Body::Empty)
}

/// facility.
pub fn facility(call_id: [u8; 16], reason: FacilityReason) -> Body {
    Facility::new(CallId(call_id), reason)
        .build()
        .unwrap_or(Body::Empty)
}

/// The parts of a received H323-UserInformation the call acts on.
#[derive(Debug, Clone, Default)]
pub struct Received {
    /// The body's ASN.1 name (`setup`, `connect`, ...).
    pub body: &'static str,
    /// The peer's H.225.0 version, when its body carries protocolIdentifier.
    pub version: Option<u32>,
    /// `h245Tunnelling`.
    pub tunnelling: bool,
    /// `h245Control`.
    pub h245_control: Vec<Vec<u8>>,
    /// `fastStart`.
    pub fast_start: Vec<Vec<u8>>,
    /// `fastConnectRefused` present.
    pub fast_connect_refused: bool,
    /// `h245Address`.
    pub h245_address: Option<SocketAddr>,
    /// setup `destinationAddress`.
    pub destination: Vec<Alias>,
    /// setup `sourceAddress`.
    pub source: Vec<Alias>,
    /// setup/connect `conferenceID`.
    pub conference_id: Option<[u8; 16]>,
    /// `callIdentifier`.
    pub call_id: Option<[u8; 16]>,
    /// releaseComplete `reason`.
    pub release_reason: Option<ReleaseCompleteReason>,
    /// setup/connect `displayName`.
    pub display: Option<String>,
    /// setup `sourceInfo` says MCU.
    pub source_is_mcu: bool,
}

/// Reads a decoded H323-UserInformation.
pub fn read(ui: &UserInfo) -> Received {
    let octets = |v: &[rasn::types::OctetString]| v.iter().map(|o| o.to_vec()).collect::<Vec<_>>();
    Received {
        body: ui.body_name(),
        version: ui.protocol_identifier().and_then(protocol_version),
        tunnelling: ui.h245_tunnelling(),
        h245_control: octets(ui.h245_control()),
        fast_start: octets(ui.fast_start()),
        fast_connect_refused: ui.fast_connect_refused(),
        h245_address: ui.h245_address(),
        destination: ui.destination_aliases(),
        source: ui.source_aliases(),
        conference_id: ui.conference_id().map(|c| c.0),
        call_id: ui.call_identifier().map(|c| c.0),
        release_reason: ui.release_reason().cloned(),
        display: ui.display_name(),
        source_is_mcu: matches!(ui.body(), Body::Setup(s) if s.source_info.mc || endpoint_kind(&s.source_info) == Some(EndpointKind::Mcu)),
    }
}

/// The H.225.0 release reason that goes with a Q.850 cause (H.225.0 table 5 read backwards);
/// none for normal clearing, where the reason adds nothing.
pub fn reason_for_cause(cause: u8) -> Option<ReleaseCompleteReason> {
    use ReleaseCompleteReason as R;
    Some(match cause {
        1 => R::calledPartyNotRegistered(()),
        3 => R::unreachableDestination(()),
        17 => R::inConf(()),
        21 => R::destinationRejection(()),
        28 => R::badFormatAddress(()),
        34 => R::noBandwidth(()),
        42 | 47 => R::gatewayResources(()),
        31 => R::undefinedReason(()),
        _ => return None,
    })
}

/// A short description of an alias for logs, e.g. `dialledDigits:1234`.
pub fn describe_alias(a: &Alias) -> String {
    match a {
        Alias::DialedDigits(s) | Alias::H323Id(s) | Alias::Url(s) | Alias::Email(s) => {
            format!("{}:{s}", a.kind())
        }
        Alias::TransportId(t) => format!("{}:{t}", a.kind()),
        other => other.kind().to_owned(),
    }
}
