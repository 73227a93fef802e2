//! Typed accessors on [`Ras`]: the fields an endpoint or gatekeeper acts on,
//! whichever message type carries them. Each returns `None`/empty when the
//! message type has no such field.

use std::net::SocketAddr;

use super::Ras;
use crate::asn::h225::*;
use crate::h225::alias::{aliases_from_asn, bmp_to_string, Alias};
use crate::h225::common::{socket_addr, CallId, ConferenceId};

impl Ras {
    /// `requestSeqNum` (every RAS message but admissionConfirmSequence has one).
    pub fn request_seq_num(&self) -> Option<u16> {
        use RasMessage as M;
        let s = match self.message()? {
            M::gatekeeperRequest(m) => &m.request_seq_num,
            M::gatekeeperConfirm(m) => &m.request_seq_num,
            M::gatekeeperReject(m) => &m.request_seq_num,
            M::registrationRequest(m) => &m.request_seq_num,
            M::registrationConfirm(m) => &m.request_seq_num,
            M::registrationReject(m) => &m.request_seq_num,
            M::unregistrationRequest(m) => &m.request_seq_num,
            M::unregistrationConfirm(m) => &m.request_seq_num,
            M::unregistrationReject(m) => &m.request_seq_num,
            M::admissionRequest(m) => &m.request_seq_num,
            M::admissionConfirm(m) => &m.request_seq_num,
            M::admissionReject(m) => &m.request_seq_num,
            M::bandwidthRequest(m) => &m.request_seq_num,
            M::bandwidthConfirm(m) => &m.request_seq_num,
            M::bandwidthReject(m) => &m.request_seq_num,
            M::disengageRequest(m) => &m.request_seq_num,
            M::disengageConfirm(m) => &m.request_seq_num,
            M::disengageReject(m) => &m.request_seq_num,
            M::locationRequest(m) => &m.request_seq_num,
            M::locationConfirm(m) => &m.request_seq_num,
            M::locationReject(m) => &m.request_seq_num,
            M::infoRequest(m) => &m.request_seq_num,
            M::infoRequestResponse(m) => &m.request_seq_num,
            M::nonStandardMessage(m) => &m.request_seq_num,
            M::unknownMessageResponse(m) => &m.request_seq_num,
            M::requestInProgress(m) => &m.request_seq_num,
            M::resourcesAvailableIndicate(m) => &m.request_seq_num,
            M::resourcesAvailableConfirm(m) => &m.request_seq_num,
            M::infoRequestAck(m) => &m.request_seq_num,
            M::infoRequestNak(m) => &m.request_seq_num,
            M::serviceControlIndication(m) => &m.request_seq_num,
            M::serviceControlResponse(m) => &m.request_seq_num,
            _ => return None,
        };
        Some(s.0)
    }

    /// `protocolIdentifier` of GRQ/GCF/GRJ/RRQ/RCF/RRJ.
    pub fn protocol_identifier(&self) -> Option<&ProtocolIdentifier> {
        use RasMessage as M;
        Some(match self.message()? {
            M::gatekeeperRequest(m) => &m.protocol_identifier,
            M::gatekeeperConfirm(m) => &m.protocol_identifier,
            M::gatekeeperReject(m) => &m.protocol_identifier,
            M::registrationRequest(m) => &m.protocol_identifier,
            M::registrationConfirm(m) => &m.protocol_identifier,
            M::registrationReject(m) => &m.protocol_identifier,
            _ => return None,
        })
    }

    /// `endpointIdentifier` (RRQ keep-alive, RCF, URQ, ARQ, BRQ, DRQ, LRQ, IRR).
    pub fn endpoint_identifier(&self) -> Option<String> {
        use RasMessage as M;
        let id = match self.message()? {
            M::registrationRequest(m) => m.endpoint_identifier.as_ref()?,
            M::registrationConfirm(m) => &m.endpoint_identifier,
            M::unregistrationRequest(m) => m.endpoint_identifier.as_ref()?,
            M::admissionRequest(m) => &m.endpoint_identifier,
            M::bandwidthRequest(m) => &m.endpoint_identifier,
            M::disengageRequest(m) => &m.endpoint_identifier,
            M::locationRequest(m) => m.endpoint_identifier.as_ref()?,
            M::infoRequestResponse(m) => &m.endpoint_identifier,
            _ => return None,
        };
        Some(bmp_to_string(&id.0))
    }

    /// `gatekeeperIdentifier`.
    pub fn gatekeeper_identifier(&self) -> Option<String> {
        use RasMessage as M;
        let id = match self.message()? {
            M::gatekeeperRequest(m) => m.gatekeeper_identifier.as_ref(),
            M::gatekeeperConfirm(m) => m.gatekeeper_identifier.as_ref(),
            M::gatekeeperReject(m) => m.gatekeeper_identifier.as_ref(),
            M::registrationRequest(m) => m.gatekeeper_identifier.as_ref(),
            M::registrationConfirm(m) => m.gatekeeper_identifier.as_ref(),
            M::registrationReject(m) => m.gatekeeper_identifier.as_ref(),
            M::unregistrationRequest(m) => m.gatekeeper_identifier.as_ref(),
            M::admissionRequest(m) => m.gatekeeper_identifier.as_ref(),
            M::disengageRequest(m) => m.gatekeeper_identifier.as_ref(),
            M::locationRequest(m) => m.gatekeeper_identifier.as_ref(),
            _ => None,
        }?;
        Some(bmp_to_string(&id.0))
    }

    /// The endpoint's own aliases: `endpointAlias` (GRQ, URQ, IRR) or
    /// `terminalAlias` (RRQ, RCF).
    pub fn terminal_aliases(&self) -> Vec<Alias> {
        use RasMessage as M;
        let list = match self.message() {
            Some(M::gatekeeperRequest(m)) => m.endpoint_alias.as_ref(),
            Some(M::registrationRequest(m)) => m.terminal_alias.as_ref(),
            Some(M::registrationConfirm(m)) => m.terminal_alias.as_ref(),
            Some(M::unregistrationRequest(m)) => m.endpoint_alias.as_ref(),
            Some(M::infoRequestResponse(m)) => m.endpoint_alias.as_ref(),
            _ => None,
        };
        aliases_from_asn(list)
    }

    /// The called party: `destinationInfo` of ARQ, ACF, LRQ, LCF.
    pub fn destination_aliases(&self) -> Vec<Alias> {
        use RasMessage as M;
        let list = match self.message() {
            Some(M::admissionRequest(m)) => m.destination_info.as_ref(),
            Some(M::admissionConfirm(m)) => m.destination_info.as_ref(),
            Some(M::locationRequest(m)) => Some(&m.destination_info),
            Some(M::locationConfirm(m)) => m.destination_info.as_ref(),
            _ => None,
        };
        aliases_from_asn(list)
    }

    /// The calling party: `srcInfo` of ARQ, `sourceInfo` of LRQ.
    pub fn source_aliases(&self) -> Vec<Alias> {
        use RasMessage as M;
        let list = match self.message() {
            Some(M::admissionRequest(m)) => Some(&m.src_info),
            Some(M::locationRequest(m)) => m.source_info.as_ref(),
            _ => None,
        };
        aliases_from_asn(list)
    }

    /// `rasAddress` (GRQ, GCF, LCF, IRR; the first of an RRQ's).
    pub fn ras_address(&self) -> Option<SocketAddr> {
        use RasMessage as M;
        let t = match self.message()? {
            M::gatekeeperRequest(m) => &m.ras_address,
            M::gatekeeperConfirm(m) => &m.ras_address,
            M::registrationRequest(m) => m.ras_address.first()?,
            M::locationConfirm(m) => &m.ras_address,
            M::infoRequestResponse(m) => &m.ras_address,
            _ => return None,
        };
        socket_addr(t)
    }

    /// All `callSignalAddress`es (RRQ, RCF, URQ, IRR; LCF's single one).
    pub fn call_signal_addresses(&self) -> Vec<SocketAddr> {
        use RasMessage as M;
        let list: &[TransportAddress] = match self.message() {
            Some(M::registrationRequest(m)) => &m.call_signal_address,
            Some(M::registrationConfirm(m)) => &m.call_signal_address,
            Some(M::unregistrationRequest(m)) => &m.call_signal_address,
            Some(M::infoRequestResponse(m)) => &m.call_signal_address,
            Some(M::locationConfirm(m)) => std::slice::from_ref(&m.call_signal_address),
            _ => &[],
        };
        list.iter().filter_map(socket_addr).collect()
    }

    /// `destCallSignalAddress` of ARQ and ACF (where the Setup goes).
    pub fn dest_call_signal_address(&self) -> Option<SocketAddr> {
        use RasMessage as M;
        match self.message()? {
            M::admissionRequest(m) => m.dest_call_signal_address.as_ref().and_then(socket_addr),
            M::admissionConfirm(m) => socket_addr(&m.dest_call_signal_address),
            _ => None,
        }
    }

    /// `replyAddress` of LRQ and IRQ.
    pub fn reply_address(&self) -> Option<SocketAddr> {
        use RasMessage as M;
        match self.message()? {
            M::locationRequest(m) => socket_addr(&m.reply_address),
            M::infoRequest(m) => m.reply_address.as_ref().and_then(socket_addr),
            _ => None,
        }
    }

    /// `bandWidth` in 100 bit/s (ARQ, ACF, BRQ, BCF, LRQ, LCF).
    pub fn bandwidth(&self) -> Option<u32> {
        use RasMessage as M;
        Some(match self.message()? {
            M::admissionRequest(m) => m.band_width.0,
            M::admissionConfirm(m) => m.band_width.0,
            M::bandwidthRequest(m) => m.band_width.0,
            M::bandwidthConfirm(m) => m.band_width.0,
            M::locationRequest(m) => m.band_width.as_ref()?.0,
            M::locationConfirm(m) => m.band_width.as_ref()?.0,
            _ => return None,
        })
    }

    /// `callReferenceValue` (ARQ, BRQ, DRQ, IRQ).
    pub fn call_reference_value(&self) -> Option<u16> {
        use RasMessage as M;
        Some(match self.message()? {
            M::admissionRequest(m) => m.call_reference_value.0,
            M::bandwidthRequest(m) => m.call_reference_value.0,
            M::disengageRequest(m) => m.call_reference_value.0,
            M::infoRequest(m) => m.call_reference_value.0,
            _ => return None,
        })
    }

    /// `conferenceID` (ARQ, BRQ, DRQ).
    pub fn conference_id(&self) -> Option<ConferenceId> {
        use RasMessage as M;
        Some(ConferenceId::from_asn(match self.message()? {
            M::admissionRequest(m) => &m.conference_id,
            M::bandwidthRequest(m) => &m.conference_id,
            M::disengageRequest(m) => &m.conference_id,
            _ => return None,
        }))
    }

    /// `callIdentifier` (ARQ, BRQ, DRQ, IRQ, LRQ).
    pub fn call_identifier(&self) -> Option<CallId> {
        use RasMessage as M;
        Some(CallId::from_asn(match self.message()? {
            M::admissionRequest(m) => &m.call_identifier,
            M::bandwidthRequest(m) => &m.call_identifier,
            M::disengageRequest(m) => &m.call_identifier,
            M::infoRequest(m) => &m.call_identifier,
            M::locationRequest(m) => m.call_identifier.as_ref()?,
            _ => return None,
        }))
    }

    /// `timeToLive` in seconds (RRQ, RCF).
    pub fn time_to_live(&self) -> Option<u32> {
        use RasMessage as M;
        match self.message()? {
            M::registrationRequest(m) => m.time_to_live.as_ref().map(|t| t.0),
            M::registrationConfirm(m) => m.time_to_live.as_ref().map(|t| t.0),
            _ => None,
        }
    }

    /// `keepAlive` of an RRQ.
    pub fn keep_alive(&self) -> bool {
        matches!(self.message(), Some(RasMessage::registrationRequest(m)) if m.keep_alive)
    }

    /// `answerCall` of an ARQ.
    pub fn answer_call(&self) -> bool {
        matches!(self.message(), Some(RasMessage::admissionRequest(m)) if m.answer_call)
    }

    /// `callModel` of an ACF (or of an ARQ that asks for one).
    pub fn call_model(&self) -> Option<&CallModel> {
        match self.message()? {
            RasMessage::admissionConfirm(m) => Some(&m.call_model),
            RasMessage::admissionRequest(m) => m.call_model.as_ref(),
            _ => None,
        }
    }

    /// The ASN.1 name of the `rejectReason` of a GRJ, RRJ, URJ, ARJ, BRJ, DRJ or
    /// LRJ, or of a DRQ's `disengageReason`.
    pub fn reason_name(&self) -> Option<&'static str> {
        use RasMessage as M;
        Some(match self.message()? {
            M::gatekeeperReject(m) => choice_name(&m.reject_reason),
            M::registrationReject(m) => choice_name(&m.reject_reason),
            M::unregistrationReject(m) => choice_name(&m.reject_reason),
            M::admissionReject(m) => choice_name(&m.reject_reason),
            M::bandwidthReject(m) => choice_name(&m.reject_reason),
            M::disengageReject(m) => choice_name(&m.reject_reason),
            M::locationReject(m) => choice_name(&m.reject_reason),
            M::disengageRequest(m) => choice_name(&m.disengage_reason),
            _ => return None,
        })
    }
}

/// The ASN.1 name of a CHOICE value's alternative, taken from its aligned-PER
/// encoding: the encoder knows the alternative's index, rasn's `Choice` trait
/// its identifiers. Used for the reject reasons, which have up to 23 alternatives.
fn choice_name<T: rasn::Encode + rasn::types::Choice>(v: &T) -> &'static str {
    choice_index(v)
        .and_then(|i| T::IDENTIFIERS.get(i).copied())
        .unwrap_or("unknown")
}

/// The declaration-order index of a CHOICE value's alternative, read back from
/// its PER encoding (extension bit, then the root index in ⌈log2 n⌉ bits or the
/// extension index as a normally small number).
fn choice_index<T: rasn::Encode + rasn::types::Choice>(v: &T) -> Option<usize> {
    let bytes = rasn::aper::encode(v).ok()?;
    let bit = |i: usize| -> Option<usize> {
        let b = bytes.get(i / 8)?;
        Some(usize::from(b >> (7 - i % 8) & 1))
    };
    let read = |start: usize, n: usize| -> Option<usize> {
        (start..start + n).try_fold(0usize, |acc, i| Some(acc << 1 | bit(i)?))
    };
    let extensible = T::EXTENDED_VARIANTS.is_some();
    let roots = T::VARIANTS.len();
    let (ext, pos) = if extensible {
        (bit(0)? == 1, 1)
    } else {
        (false, 0)
    };
    if ext {
        // Normally small number: a 0 bit, then 6 bits (index < 64).
        if bit(pos)? != 0 {
            return None;
        }
        Some(roots + read(pos + 1, 6)?)
    } else if roots <= 1 {
        Some(0)
    } else {
        let width = usize::BITS - (roots - 1).leading_zeros();
        read(pos, width as usize)
    }
}
