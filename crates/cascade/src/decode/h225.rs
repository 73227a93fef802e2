//! H.225.0 for the ladder: decodes the user-user element of a call-signalling message and RAS
//! datagrams, and picks the fields an operator reads: aliases, fastStart proposals, tunnelling,
//! h245Address, release and reject reasons.

use std::net::SocketAddr;

use h323::asn::h225::{AliasAddress, RasMessage};
use h323::h225::ras::Ras;
use h323::h225::{
    alias_address_name, bmp_to_string, facility_reason_name, release_reason_name, socket_addr,
    Alias, Body, UserInfo,
};
use serde_json::Value;

use super::h245::fast_start_entry;
use super::model::{per_error, Message};
use super::names::choice_name;

/// Decodes an H.323-UserInformation (the user-user element after its protocol discriminator).
pub fn decode_user_information(bytes: &[u8]) -> Result<UserInfo, String> {
    UserInfo::decode(bytes).map_err(|e| per_error("H.225.0", &e))
}

/// Decodes a RAS datagram. With `strict` (the heuristic for UDP ports other than 1718/1719) the
/// datagram must also decode as a known `RasMessage` with no octet left over.
pub fn decode_ras(bytes: &[u8], strict: bool) -> Result<Ras, String> {
    if strict {
        let (_, rest) = rasn::aper::decode_with_remainder::<RasMessage>(bytes)
            .map_err(|e| per_error("H.225.0 RasMessage", &e))?;
        if !rest.is_empty() {
            return Err(format!(
                "H.225.0 RasMessage: {} bytes left over",
                rest.len()
            ));
        }
    }
    Ras::decode(bytes).map_err(|e| per_error("H.225.0", &e))
}

/// What the caller needs from a call-signalling message beyond the ladder line.
#[derive(Debug, Default)]
pub struct CsExtras {
    /// The encoded H.245 messages of h245Control (and a Setup's parallelH245Control), in order.
    pub h245_control: Vec<Vec<u8>>,
    /// h245Address, announcing a separate H.245 connection.
    pub h245_address: Option<SocketAddr>,
}

/// Fills `m` (message name and details) from a decoded call-signalling user-information.
pub fn describe_cs(m: &mut Message, ui: &UserInfo) -> CsExtras {
    m.message = ui.body_name().into();
    let mut extras = CsExtras::default();
    match ui.body() {
        Body::Setup(s) => {
            if let Some(a) = &s.source_address {
                m.detail("callingAlias", aliases(a));
            }
            if let Some(a) = &s.destination_address {
                m.detail("calledAlias", aliases(a));
            }
            if let Some(a) = ui.dest_call_signal_address() {
                m.detail("destCallSignalAddress", a.to_string());
            }
            m.detail("conferenceGoal", choice_name(&s.conference_goal));
            if let Some(p) = &s.parallel_h245_control {
                m.detail("parallelH245Control", p.len());
                extras.h245_control = p.iter().map(|b| b.to_vec()).collect();
            }
        }
        Body::Connect(s) => {
            if let Some(a) = &s.connected_address {
                m.detail("connectedAlias", aliases(a));
            }
        }
        Body::Facility(s) => {
            m.detail("reason", facility_reason_name(&s.reason));
            if let Some(a) = s.alternative_address.as_ref().and_then(socket_addr) {
                m.detail("alternativeAddress", a.to_string());
            }
        }
        Body::ReleaseComplete(s) => {
            if let Some(r) = &s.reason {
                m.detail("reason", release_reason_name(r));
            }
        }
        _ => {}
    }
    let fast_start = ui.fast_start();
    // For a Setup the absence of fastStart is news too: the call will need H.245 first.
    if !fast_start.is_empty() || matches!(ui.body(), Body::Setup(_)) {
        m.detail(
            "fastStart",
            Value::Array(fast_start.iter().map(|olc| fast_start_entry(olc)).collect()),
        );
    }
    m.detail("h245Tunnelling", ui.h245_tunnelling());
    if let Some(a) = ui.h245_address() {
        m.detail("h245Address", a.to_string());
        extras.h245_address = Some(a);
    }
    let control = ui.h245_control();
    if !control.is_empty() {
        m.detail("h245Control", control.len());
        extras
            .h245_control
            .extend(control.iter().map(|b| b.to_vec()));
    }
    let uu = ui.extras();
    if let Some(ss) = &uu.h4501_supplementary_service {
        m.detail("h4501SupplementaryService", ss.len());
    }
    if uu.tunnelled_signalling_message.is_some() {
        m.detail("tunnelledSignallingMessage", true);
    }
    extras
}

/// Fills `m` (message name and details) from a decoded RAS message.
pub fn describe_ras(m: &mut Message, ras: &Ras) {
    m.message = ras.name().into();
    let Some(ras) = ras.message() else {
        return;
    };
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
                m.detail("gatekeeperIdentifier", bmp_to_string(&g.0));
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
            if let Some(a) = x.call_signal_address.first().and_then(socket_addr) {
                m.detail("callSignalAddress", a.to_string());
            }
            if x.keep_alive {
                m.detail("keepAlive", true);
            }
            Some(x.request_seq_num.0)
        }
        R::registrationConfirm(x) => {
            if let Some(g) = &x.gatekeeper_identifier {
                m.detail("gatekeeperIdentifier", bmp_to_string(&g.0));
            }
            m.detail(
                "endpointIdentifier",
                bmp_to_string(&x.endpoint_identifier.0),
            );
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
            if let Some(a) = socket_addr(&x.dest_call_signal_address) {
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
            if let Some(a) = socket_addr(&x.call_signal_address) {
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

fn aliases(list: &[AliasAddress]) -> Value {
    Value::Array(
        list.iter()
            .map(|a| match Alias::from_asn(a) {
                Alias::Other(_) => Value::from(format!("{}:…", alias_address_name(a))),
                alias => Value::from(alias.to_string()),
            })
            .collect(),
    )
}
