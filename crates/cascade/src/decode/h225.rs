//! H.225.0 for the ladder: decodes the user-user element of a call-signalling message and RAS
//! datagrams, and picks the fields an operator reads: aliases, fastStart proposals, tunnelling,
//! h245Address, release and reject reasons.

use std::net::SocketAddr;

use h323::asn::h225::{
    AliasAddress, H323UUPDUH323MessageBody as Body, H323UserInformation, RasMessage,
    TransportAddress,
};
use rasn::types::BmpString;
use serde_json::Value;

use super::h245::fast_start_entry;
use super::interim::choice_name;
use super::model::{per_error, Message};

/// Decodes an H.323-UserInformation (the user-user element after its protocol discriminator).
pub fn decode_user_information(bytes: &[u8]) -> Result<H323UserInformation, String> {
    rasn::aper::decode::<H323UserInformation>(bytes)
        .map_err(|e| per_error("H.225.0 H323-UserInformation", &e))
}

/// Decodes a RAS datagram; with `strict`, trailing bytes make it fail (the heuristic for UDP
/// ports other than 1718/1719).
pub fn decode_ras(bytes: &[u8], strict: bool) -> Result<RasMessage, String> {
    let (msg, rest) = rasn::aper::decode_with_remainder::<RasMessage>(bytes)
        .map_err(|e| per_error("H.225.0 RasMessage", &e))?;
    if strict && !rest.is_empty() {
        return Err(format!(
            "H.225.0 RasMessage: {} bytes left over",
            rest.len()
        ));
    }
    Ok(msg)
}

/// What the caller needs from a call-signalling message beyond the ladder line.
#[derive(Debug, Default)]
pub struct CsExtras {
    /// The encoded H.245 messages of h245Control, in order.
    pub h245_control: Vec<Vec<u8>>,
    /// h245Address, announcing a separate H.245 connection.
    pub h245_address: Option<SocketAddr>,
}

/// Fills `m` (message name and details) from a decoded call-signalling user-information.
pub fn describe_cs(m: &mut Message, ui: &H323UserInformation) -> CsExtras {
    let pdu = &ui.h323_uu_pdu;
    let body = &pdu.h323_message_body;
    m.message = choice_name(body).into();
    let mut extras = CsExtras::default();
    let mut h245_address: Option<&TransportAddress> = None;
    let mut fast_start = None;
    match body {
        Body::setup(s) => {
            if let Some(a) = &s.source_address {
                m.detail("callingAlias", aliases(a));
            }
            if let Some(a) = &s.destination_address {
                m.detail("calledAlias", aliases(a));
            }
            if let Some(a) = s.dest_call_signal_address.as_ref().and_then(transport) {
                m.detail("destCallSignalAddress", a.to_string());
            }
            m.detail("conferenceGoal", choice_name(&s.conference_goal));
            h245_address = s.h245_address.as_ref();
            fast_start = s.fast_start.as_ref();
            if let Some(p) = &s.parallel_h245_control {
                m.detail("parallelH245Control", p.len());
                extras.h245_control = p.iter().map(|b| b.to_vec()).collect();
            }
        }
        Body::callProceeding(s) => {
            h245_address = s.h245_address.as_ref();
            fast_start = s.fast_start.as_ref();
        }
        Body::alerting(s) => {
            h245_address = s.h245_address.as_ref();
            fast_start = s.fast_start.as_ref();
        }
        Body::connect(s) => {
            if let Some(a) = &s.connected_address {
                m.detail("connectedAlias", aliases(a));
            }
            h245_address = s.h245_address.as_ref();
            fast_start = s.fast_start.as_ref();
        }
        Body::progress(s) => {
            h245_address = s.h245_address.as_ref();
            fast_start = s.fast_start.as_ref();
        }
        Body::facility(s) => {
            m.detail("reason", choice_name(&s.reason));
            if let Some(a) = s.alternative_address.as_ref().and_then(transport) {
                m.detail("alternativeAddress", a.to_string());
            }
            h245_address = s.h245_address.as_ref();
            fast_start = s.fast_start.as_ref();
        }
        Body::information(s) => fast_start = s.fast_start.as_ref(),
        Body::releaseComplete(s) => {
            if let Some(r) = &s.reason {
                m.detail("reason", choice_name(r));
            }
        }
        _ => {}
    }
    // For a Setup the absence of fastStart is news too: the call will need H.245 first.
    let empty = Vec::new();
    if fast_start.is_none() && matches!(body, Body::setup(_)) {
        fast_start = Some(&empty);
    }
    if let Some(fs) = fast_start {
        m.detail(
            "fastStart",
            Value::Array(fs.iter().map(|olc| fast_start_entry(olc)).collect()),
        );
    }
    m.detail("h245Tunnelling", pdu.h245_tunnelling);
    if let Some(a) = h245_address.and_then(transport) {
        m.detail("h245Address", a.to_string());
        extras.h245_address = Some(a);
    }
    if let Some(ctrl) = &pdu.h245_control {
        m.detail("h245Control", ctrl.len());
        extras.h245_control.extend(ctrl.iter().map(|b| b.to_vec()));
    }
    if let Some(ss) = &pdu.h4501_supplementary_service {
        m.detail("h4501SupplementaryService", ss.len());
    }
    if pdu.tunnelled_signalling_message.is_some() {
        m.detail("tunnelledSignallingMessage", true);
    }
    extras
}

/// Fills `m` (message name and details) from a decoded RAS message.
pub fn describe_ras(m: &mut Message, ras: &RasMessage) {
    m.message = choice_name(ras).into();
    use RasMessage as R;
    let seq = match ras {
        R::gatekeeperRequest(x) => {
            if let Some(a) = &x.endpoint_alias {
                m.detail("endpointAlias", aliases(a));
            }
            Some(x.request_seq_num.0)
        }
        R::gatekeeperConfirm(x) => {
            if let Some(g) = &x.gatekeeper_identifier {
                m.detail("gatekeeperIdentifier", bmp(&g.0));
            }
            Some(x.request_seq_num.0)
        }
        R::gatekeeperReject(x) => {
            m.detail("rejectReason", choice_name(&x.reject_reason));
            Some(x.request_seq_num.0)
        }
        R::registrationRequest(x) => {
            if let Some(a) = &x.terminal_alias {
                m.detail("terminalAlias", aliases(a));
            }
            if let Some(a) = x.call_signal_address.first().and_then(transport) {
                m.detail("callSignalAddress", a.to_string());
            }
            if x.keep_alive {
                m.detail("keepAlive", true);
            }
            Some(x.request_seq_num.0)
        }
        R::registrationConfirm(x) => {
            if let Some(g) = &x.gatekeeper_identifier {
                m.detail("gatekeeperIdentifier", bmp(&g.0));
            }
            m.detail("endpointIdentifier", bmp(&x.endpoint_identifier.0));
            Some(x.request_seq_num.0)
        }
        R::registrationReject(x) => {
            m.detail("rejectReason", choice_name(&x.reject_reason));
            Some(x.request_seq_num.0)
        }
        R::unregistrationRequest(x) => Some(x.request_seq_num.0),
        R::unregistrationConfirm(x) => Some(x.request_seq_num.0),
        R::unregistrationReject(x) => {
            m.detail("rejectReason", choice_name(&x.reject_reason));
            Some(x.request_seq_num.0)
        }
        R::admissionRequest(x) => {
            if let Some(a) = &x.destination_info {
                m.detail("calledAlias", aliases(a));
            }
            m.detail("callingAlias", aliases(&x.src_info));
            m.detail("bandWidth", x.band_width.0);
            m.detail("answerCall", x.answer_call);
            Some(x.request_seq_num.0)
        }
        R::admissionConfirm(x) => {
            if let Some(a) = transport(&x.dest_call_signal_address) {
                m.detail("destCallSignalAddress", a.to_string());
            }
            m.detail("bandWidth", x.band_width.0);
            Some(x.request_seq_num.0)
        }
        R::admissionReject(x) => {
            m.detail("rejectReason", choice_name(&x.reject_reason));
            Some(x.request_seq_num.0)
        }
        R::bandwidthRequest(x) => Some(x.request_seq_num.0),
        R::bandwidthConfirm(x) => Some(x.request_seq_num.0),
        R::bandwidthReject(x) => Some(x.request_seq_num.0),
        R::disengageRequest(x) => {
            m.detail("disengageReason", choice_name(&x.disengage_reason));
            Some(x.request_seq_num.0)
        }
        R::disengageConfirm(x) => Some(x.request_seq_num.0),
        R::disengageReject(x) => Some(x.request_seq_num.0),
        R::locationRequest(x) => {
            m.detail("calledAlias", aliases(&x.destination_info));
            Some(x.request_seq_num.0)
        }
        R::locationConfirm(x) => {
            if let Some(a) = transport(&x.call_signal_address) {
                m.detail("callSignalAddress", a.to_string());
            }
            Some(x.request_seq_num.0)
        }
        R::locationReject(x) => {
            m.detail("rejectReason", choice_name(&x.reject_reason));
            Some(x.request_seq_num.0)
        }
        R::infoRequest(x) => Some(x.request_seq_num.0),
        R::infoRequestResponse(x) => Some(x.request_seq_num.0),
        _ => None,
    };
    if let Some(s) = seq {
        m.detail("requestSeqNum", s);
    }
}

/// An H.225.0 transport address as a socket address, when it is IPv4 or IPv6.
pub fn transport(a: &TransportAddress) -> Option<SocketAddr> {
    match a {
        TransportAddress::ipAddress(x) => {
            let ip: [u8; 4] = x.ip.as_ref().try_into().ok()?;
            Some(SocketAddr::from((ip, x.port)))
        }
        TransportAddress::ip6Address(x) => {
            let ip: [u8; 16] = x.ip.as_ref().try_into().ok()?;
            Some(SocketAddr::from((ip, x.port)))
        }
        _ => None,
    }
}

fn aliases(list: &[AliasAddress]) -> Value {
    Value::Array(list.iter().map(|a| Value::from(alias(a))).collect())
}

/// `type:value`, the type spelt as the AliasAddress alternative (`h323-ID:alice`).
pub fn alias(a: &AliasAddress) -> String {
    let value = match a {
        AliasAddress::dialledDigits(s) | AliasAddress::url_ID(s) | AliasAddress::email_ID(s) => {
            s.to_string()
        }
        AliasAddress::h323_ID(s) => bmp(s),
        AliasAddress::transportID(t) => transport(t).map_or_else(|| "?".into(), |a| a.to_string()),
        _ => "…".into(),
    };
    format!("{}:{}", choice_name(a), value)
}

/// A BMPString as text (UTF-16, replacing what does not decode).
pub fn bmp(s: &BmpString) -> String {
    let units: Vec<u16> = s
        .to_bytes()
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}
