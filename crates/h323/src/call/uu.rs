//! The H.225.0 user-information a call sends and reads: one function per message body the call
//! state machine uses, filled as H.225.0 version 6 says, and a reader that pulls out what the call
//! needs (fastStart, tunnelled H.245, h245Address, aliases, release reason).

use std::net::{IpAddr, SocketAddr};

use h323_asn1::h225::{
    AlertingUUIE, AliasAddress, CallIdentifier, CallProceedingUUIE, CallType, ConferenceIdentifier,
    ConnectUUIE, DisplayName, EndpointType, FacilityReason, FacilityUUIE, GatewayInfo,
    GloballyUniqueID, H221NonStandard, H323UUPDUH323MessageBody as Body, H323UserInformation,
    McuInfo, ProtocolIdentifier, ReleaseCompleteReason, ReleaseCompleteUUIE, SetupUUIE,
    SetupUUIEConferenceGoal, TerminalInfo, TransportAddress, TransportAddressIp6Address,
    TransportAddressIpAddress, VendorIdentifier, H323UUPDU,
};
use rasn::types::{BmpString, FixedOctetString, Ia5String, ObjectIdentifier, OctetString};

/// H.225.0 version we speak: `{itu-t(0) recommendation(0) h(8) 2250 version(0) 6}`.
pub const H225_PROTOCOL_ID: &[u32] = &[0, 0, 8, 2250, 0, 6];

/// What kind of H.323 entity we are, for `sourceInfo` / `destinationInfo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// A terminal (the `cascade endpoint` test participant).
    Terminal,
    /// A gateway (`cascade gateway`).
    Gateway,
    /// An MCU (`cascade mcu`).
    Mcu,
}

/// An alias address in the forms H.323 calls use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Alias {
    /// `dialedDigits`: 0-9, `*`, `#`, `,`.
    DialedDigits(String),
    /// `h323-ID`: free text (BMPString).
    H323Id(String),
    /// `url-ID`.
    Url(String),
    /// `transportID`.
    Transport(SocketAddr),
    /// `email-ID`.
    Email(String),
}

impl Alias {
    /// The ASN.1 alternative and value, e.g. `dialedDigits:1234`.
    pub fn describe(&self) -> String {
        match self {
            Alias::DialedDigits(d) => format!("dialedDigits:{d}"),
            Alias::H323Id(s) => format!("h323-ID:{s}"),
            Alias::Url(s) => format!("url-ID:{s}"),
            Alias::Transport(a) => format!("transportID:{a}"),
            Alias::Email(s) => format!("email-ID:{s}"),
        }
    }

    /// The generated value; `None` when the text does not fit the alternative's constraints.
    pub fn to_asn(&self) -> Option<AliasAddress> {
        Some(match self {
            Alias::DialedDigits(d) => {
                if d.is_empty()
                    || d.len() > 128
                    || !d.chars().all(|c| c.is_ascii_digit() || "#*,".contains(c))
                {
                    return None;
                }
                AliasAddress::dialledDigits(Ia5String::try_from(d.as_str()).ok()?)
            }
            Alias::H323Id(s) => {
                if s.is_empty() || s.encode_utf16().count() > 256 {
                    return None;
                }
                AliasAddress::h323_ID(BmpString::try_from(s.as_str()).ok()?)
            }
            Alias::Url(s) => AliasAddress::url_ID(ia5(s, 512)?),
            Alias::Email(s) => AliasAddress::email_ID(ia5(s, 512)?),
            Alias::Transport(a) => AliasAddress::transportID(transport_address(*a)),
        })
    }

    /// Our view of a generated alias; `None` for forms calls do not use (partyNumber, ...).
    pub fn from_asn(a: &AliasAddress) -> Option<Alias> {
        Some(match a {
            AliasAddress::dialledDigits(d) => {
                Alias::DialedDigits(String::from_utf8_lossy(d.as_iso646_bytes()).into_owned())
            }
            AliasAddress::h323_ID(s) => Alias::H323Id(bmp_to_string(s)),
            AliasAddress::url_ID(s) => {
                Alias::Url(String::from_utf8_lossy(s.as_iso646_bytes()).into_owned())
            }
            AliasAddress::email_ID(s) => {
                Alias::Email(String::from_utf8_lossy(s.as_iso646_bytes()).into_owned())
            }
            AliasAddress::transportID(t) => Alias::Transport(socket_address(t)?),
            _ => return None,
        })
    }
}

fn ia5(s: &str, max: usize) -> Option<Ia5String> {
    if s.is_empty() || s.len() > max {
        return None;
    }
    Ia5String::try_from(s).ok()
}

fn bmp_to_string(s: &BmpString) -> String {
    String::from_utf16_lossy(&s.clone().into_vec())
}

/// An H.225.0 transport address from a socket address.
pub fn transport_address(addr: SocketAddr) -> TransportAddress {
    match addr.ip() {
        IpAddr::V4(ip) => TransportAddress::ipAddress(TransportAddressIpAddress::new(
            OctetString::from(ip.octets().to_vec()),
            addr.port(),
        )),
        IpAddr::V6(ip) => TransportAddress::ip6Address(TransportAddressIp6Address::new(
            OctetString::from(ip.octets().to_vec()),
            addr.port(),
        )),
    }
}

/// The socket address of an H.225.0 transport address (IPv4 or IPv6).
pub fn socket_address(t: &TransportAddress) -> Option<SocketAddr> {
    match t {
        TransportAddress::ipAddress(a) => {
            let o: [u8; 4] = a.ip.as_ref().try_into().ok()?;
            Some(SocketAddr::from((o, a.port)))
        }
        TransportAddress::ip6Address(a) => {
            let o: [u8; 16] = a.ip.as_ref().try_into().ok()?;
            Some(SocketAddr::from((o, a.port)))
        }
        _ => None,
    }
}

fn protocol_id() -> ProtocolIdentifier {
    ProtocolIdentifier(ObjectIdentifier::new(H225_PROTOCOL_ID).expect("valid OID constant"))
}

fn guid(bytes: [u8; 16]) -> GloballyUniqueID {
    GloballyUniqueID(FixedOctetString::from(bytes))
}

/// The H.225.0 protocol version (the last arc of protocolIdentifier), if it has the usual form.
pub fn protocol_version(p: &ProtocolIdentifier) -> Option<u32> {
    let arcs: &[u32] = &p.0;
    (arcs.len() == 6 && arcs[..5] == [0, 0, 8, 2250, 0]).then(|| arcs[5])
}

fn endpoint_type(kind: EndpointKind) -> EndpointType {
    // T.35 country 0x00? No: H.225.0 vendor needs a real T.35 code; we use the ITU "no country"
    // escape (0xFF is 'reserved for extension' and misread by some), so 0x00 with an h221
    // manufacturer code 0 and our name in productId, as many open-source stacks do.
    let vendor = VendorIdentifier::new(
        H221NonStandard::new(0, 0, 0),
        Some(OctetString::from_static(b"cascade")),
        Some(OctetString::from_static(
            env!("CARGO_PKG_VERSION").as_bytes(),
        )),
        None,
    );
    let (gateway, mcu, terminal, mc) = match kind {
        EndpointKind::Terminal => (None, None, Some(TerminalInfo::new(None)), false),
        EndpointKind::Gateway => (Some(GatewayInfo::new(None, None)), None, None, false),
        EndpointKind::Mcu => (None, Some(McuInfo::new(None, None)), None, true),
    };
    EndpointType::new(
        None,
        Some(vendor),
        None,
        gateway,
        mcu,
        terminal,
        mc,
        false,
        None,
        None,
    )
}

fn display_name(display: Option<&str>) -> Option<Vec<DisplayName>> {
    let d = display?;
    let truncated: String = d.chars().take(80).collect();
    let name = BmpString::try_from(truncated.as_str()).ok()?;
    (!truncated.is_empty()).then(|| vec![DisplayName::new(None, name)])
}

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
        let control = (!self.h245_control.is_empty()).then(|| {
            self.h245_control
                .into_iter()
                .map(OctetString::from)
                .collect()
        });
        let pdu = H323UUPDU::new(
            self.body,
            None,
            None,
            self.tunnelling,
            control,
            None,
            None,
            None,
            None,
            None,
            None,
        );
        // Every field is built from validated values, so encoding cannot fail; if it ever did,
        // an empty user-user IE makes the peer answer with a Status instead of us panicking.
        rasn::aper::encode(&H323UserInformation::new(pdu, None)).unwrap_or_default()
    }
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
    let aliases = |a: &[Alias]| {
        let v: Vec<AliasAddress> = a.iter().filter_map(Alias::to_asn).collect();
        (!v.is_empty()).then_some(v)
    };
    let fast_start = (!p.fast_start.is_empty())
        .then(|| p.fast_start.into_iter().map(OctetString::from).collect());
    Body::setup(SetupUUIE::new(
        protocol_id(),
        p.h245_address.map(transport_address),
        aliases(p.source),
        endpoint_type(p.kind),
        aliases(p.destination),
        Some(transport_address(p.dest_address)),
        None,
        None,
        false,
        ConferenceIdentifier(guid(p.conference_id)),
        SetupUUIEConferenceGoal::create(()),
        None,
        CallType::pointToPoint(()),
        p.source_address.map(transport_address),
        None,
        CallIdentifier::new(guid(p.call_id)),
        None,
        None,
        None,
        fast_start,
        false,
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
        display_name(p.display),
    ))
}

/// callProceeding.
pub fn call_proceeding(
    kind: EndpointKind,
    call_id: [u8; 16],
    fast_start: Vec<Vec<u8>>,
    h245: Option<SocketAddr>,
) -> Body {
    Body::callProceeding(CallProceedingUUIE::new(
        protocol_id(),
        endpoint_type(kind),
        h245.map(transport_address),
        CallIdentifier::new(guid(call_id)),
        None,
        None,
        None,
        opt_octets(fast_start),
        false,
        false,
        None,
        None,
    ))
}

/// alerting.
pub fn alerting(
    kind: EndpointKind,
    call_id: [u8; 16],
    fast_start: Vec<Vec<u8>>,
    h245: Option<SocketAddr>,
) -> Body {
    Body::alerting(AlertingUUIE::new(
        protocol_id(),
        endpoint_type(kind),
        h245.map(transport_address),
        CallIdentifier::new(guid(call_id)),
        None,
        None,
        None,
        opt_octets(fast_start),
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
    ))
}

/// connect.
pub fn connect(
    kind: EndpointKind,
    conference_id: [u8; 16],
    call_id: [u8; 16],
    fast_start: Vec<Vec<u8>>,
    h245: Option<SocketAddr>,
    display: Option<&str>,
) -> Body {
    Body::connect(ConnectUUIE::new(
        protocol_id(),
        h245.map(transport_address),
        endpoint_type(kind),
        ConferenceIdentifier(guid(conference_id)),
        CallIdentifier::new(guid(call_id)),
        None,
        None,
        None,
        opt_octets(fast_start),
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
        display_name(display),
    ))
}

/// releaseComplete.
pub fn release_complete(call_id: [u8; 16], reason: Option<ReleaseCompleteReason>) -> Body {
    Body::releaseComplete(ReleaseCompleteUUIE::new(
        protocol_id(),
        reason,
        CallIdentifier::new(guid(call_id)),
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
    ))
}

/// facility.
pub fn facility(call_id: [u8; 16], reason: FacilityReason, h245: Option<SocketAddr>) -> Body {
    Body::facility(FacilityUUIE::new(
        protocol_id(),
        None,
        None,
        None,
        reason,
        CallIdentifier::new(guid(call_id)),
        None,
        None,
        None,
        None,
        None,
        h245.map(transport_address),
        None,
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

fn opt_octets(v: Vec<Vec<u8>>) -> Option<Vec<OctetString>> {
    (!v.is_empty()).then(|| v.into_iter().map(OctetString::from).collect())
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
    /// setup `conferenceID`.
    pub conference_id: Option<[u8; 16]>,
    /// `callIdentifier`.
    pub call_id: Option<[u8; 16]>,
    /// releaseComplete `reason`.
    pub release_reason: Option<ReleaseCompleteReason>,
    /// facility `reason`.
    pub facility_reason: Option<FacilityReason>,
    /// setup/connect `displayName`.
    pub display: Option<String>,
    /// setup `sourceInfo` says MCU.
    pub source_is_mcu: bool,
}

fn octets(v: &Option<Vec<OctetString>>) -> Vec<Vec<u8>> {
    v.iter().flatten().map(|o| o.to_vec()).collect()
}

fn gid(g: &GloballyUniqueID) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(g.0.as_ref());
    out
}

/// Reads a decoded H323-UserInformation.
pub fn read(ui: &H323UserInformation) -> Received {
    let pdu = &ui.h323_uu_pdu;
    let mut r = Received {
        tunnelling: pdu.h245_tunnelling,
        h245_control: octets(&pdu.h245_control),
        ..Received::default()
    };
    let aliases = |a: &Option<Vec<AliasAddress>>| {
        a.iter()
            .flatten()
            .filter_map(Alias::from_asn)
            .collect::<Vec<_>>()
    };
    let display = |d: &Option<Vec<DisplayName>>| {
        d.as_ref()
            .and_then(|v| v.first())
            .map(|n| bmp_to_string(&n.name))
    };
    match &pdu.h323_message_body {
        Body::setup(s) => {
            r.body = "setup";
            r.version = protocol_version(&s.protocol_identifier);
            r.fast_start = octets(&s.fast_start);
            r.h245_address = s.h245_address.as_ref().and_then(socket_address);
            r.destination = aliases(&s.destination_address);
            r.source = aliases(&s.source_address);
            r.conference_id = Some(gid(&s.conference_id.0));
            r.call_id = Some(gid(&s.call_identifier.guid));
            r.display = display(&s.display_name);
            r.source_is_mcu = s.source_info.mc || s.source_info.mcu.is_some();
        }
        Body::callProceeding(c) => {
            r.body = "callProceeding";
            r.version = protocol_version(&c.protocol_identifier);
            r.fast_start = octets(&c.fast_start);
            r.fast_connect_refused = c.fast_connect_refused.is_some();
            r.h245_address = c.h245_address.as_ref().and_then(socket_address);
            r.call_id = Some(gid(&c.call_identifier.guid));
        }
        Body::alerting(a) => {
            r.body = "alerting";
            r.version = protocol_version(&a.protocol_identifier);
            r.fast_start = octets(&a.fast_start);
            r.fast_connect_refused = a.fast_connect_refused.is_some();
            r.h245_address = a.h245_address.as_ref().and_then(socket_address);
            r.call_id = Some(gid(&a.call_identifier.guid));
        }
        Body::connect(c) => {
            r.body = "connect";
            r.version = protocol_version(&c.protocol_identifier);
            r.fast_start = octets(&c.fast_start);
            r.fast_connect_refused = c.fast_connect_refused.is_some();
            r.h245_address = c.h245_address.as_ref().and_then(socket_address);
            r.conference_id = Some(gid(&c.conference_id.0));
            r.call_id = Some(gid(&c.call_identifier.guid));
            r.display = display(&c.display_name);
        }
        Body::releaseComplete(rc) => {
            r.body = "releaseComplete";
            r.version = protocol_version(&rc.protocol_identifier);
            r.release_reason = rc.reason.clone();
        }
        Body::facility(f) => {
            r.body = "facility";
            r.version = protocol_version(&f.protocol_identifier);
            r.fast_start = octets(&f.fast_start);
            r.fast_connect_refused = f.fast_connect_refused.is_some();
            r.h245_address = f.h245_address.as_ref().and_then(socket_address);
            r.facility_reason = Some(f.reason.clone());
        }
        Body::progress(p) => {
            r.body = "progress";
            r.fast_start = octets(&p.fast_start);
            r.h245_address = p.h245_address.as_ref().and_then(socket_address);
        }
        Body::information(_) => r.body = "information",
        Body::empty(()) => r.body = "empty",
        Body::status(_) => r.body = "status",
        Body::statusInquiry(_) => r.body = "statusInquiry",
        Body::setupAcknowledge(_) => r.body = "setupAcknowledge",
        Body::notify(_) => r.body = "notify",
        _ => r.body = "unknown",
    }
    r
}

/// The ASN.1 name of a release reason, e.g. `calledPartyNotRegistered`.
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

/// The H.225.0 release reason that goes with a Q.850 cause (H.225.0 table 5 read backwards).
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
        16 | 31 => R::undefinedReason(()),
        _ => return None,
    })
}
