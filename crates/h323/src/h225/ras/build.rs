//! Builders for the RAS messages an endpoint and a gatekeeper exchange. Each is
//! a struct with public fields, created by `new` with what has no default; its
//! `build()` fills the mandatory fields (protocolIdentifier, mandatory
//! extension additions, ...) and returns the `RasMessage`.
//!
//! Sequence numbers are `requestSeqNum` (1..=65535; a reply echoes the request's).
//! Bandwidth is in units of 100 bit/s, both directions together (H.225.0 §7.8).

use std::net::SocketAddr;

use super::super::alias::{aliases_to_asn, opt_aliases, Alias, TextError};
use super::super::build::{BuildError, EndpointInfo};
use super::super::common::{protocol_identifier, transport_address, CallId, ConferenceId};
use super::super::{endpoint_identifier, gatekeeper_identifier};
use crate::asn::h225::*;

fn seq(n: u16) -> Result<RequestSeqNum, BuildError> {
    if n == 0 {
        return Err(BuildError::OutOfRange {
            field: "requestSeqNum",
            value: 0,
        });
    }
    Ok(RequestSeqNum(n))
}

fn gk_id(s: &Option<String>) -> Result<Option<GatekeeperIdentifier>, TextError> {
    s.as_deref().map(gatekeeper_identifier).transpose()
}

fn ep_id(s: &Option<String>) -> Result<Option<EndpointIdentifier>, TextError> {
    s.as_deref().map(endpoint_identifier).transpose()
}

fn addrs(v: &[SocketAddr]) -> Vec<TransportAddress> {
    v.iter().copied().map(transport_address).collect()
}

fn no_uuies() -> UUIEsRequested {
    UUIEsRequested::new(
        false, false, false, false, false, false, false, false, false, false, false, false, false,
    )
}

/// GatekeeperRequest (GRQ): gatekeeper discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grq {
    /// `requestSeqNum`.
    pub seq: u16,
    /// `rasAddress`: where the gatekeeper answers.
    pub ras_address: SocketAddr,
    /// `endpointType`.
    pub endpoint: EndpointInfo,
    /// `gatekeeperIdentifier`: a specific gatekeeper, or any.
    pub gatekeeper_id: Option<String>,
    /// `endpointAlias`.
    pub aliases: Vec<Alias>,
}

impl Grq {
    /// A GRQ from a terminal at `ras_address`.
    pub fn new(seq: u16, ras_address: SocketAddr) -> Self {
        Self {
            seq,
            ras_address,
            endpoint: EndpointInfo::default(),
            gatekeeper_id: None,
            aliases: Vec::new(),
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::gatekeeperRequest(GatekeeperRequest::new(
            seq(self.seq)?,
            protocol_identifier(),
            None,
            transport_address(self.ras_address),
            self.endpoint.to_asn(),
            gk_id(&self.gatekeeper_id)?,
            None,
            opt_aliases(&self.aliases)?,
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
            false,
            None,
        )))
    }
}

/// GatekeeperConfirm (GCF).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gcf {
    /// `requestSeqNum` of the GRQ.
    pub seq: u16,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
    /// `rasAddress` of the gatekeeper.
    pub ras_address: SocketAddr,
}

impl Gcf {
    /// A GCF from the gatekeeper at `ras_address`.
    pub fn new(seq: u16, ras_address: SocketAddr) -> Self {
        Self {
            seq,
            gatekeeper_id: None,
            ras_address,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::gatekeeperConfirm(GatekeeperConfirm::new(
            seq(self.seq)?,
            protocol_identifier(),
            None,
            gk_id(&self.gatekeeper_id)?,
            transport_address(self.ras_address),
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
        )))
    }
}

/// GatekeeperReject (GRJ).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Grj {
    /// `requestSeqNum` of the GRQ.
    pub seq: u16,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
    /// `rejectReason`.
    pub reason: GatekeeperRejectReason,
}

impl Grj {
    /// A GRJ with `reason`.
    pub fn new(seq: u16, reason: GatekeeperRejectReason) -> Self {
        Self {
            seq,
            gatekeeper_id: None,
            reason,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::gatekeeperReject(GatekeeperReject::new(
            seq(self.seq)?,
            protocol_identifier(),
            None,
            gk_id(&self.gatekeeper_id)?,
            self.reason.clone(),
            None,
            None,
            None,
            None,
            None,
            None,
        )))
    }
}

/// RegistrationRequest (RRQ), full or keep-alive (lightweight).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rrq {
    /// `requestSeqNum`.
    pub seq: u16,
    /// `discoveryComplete`: a GRQ/GCF preceded this RRQ.
    pub discovery_complete: bool,
    /// `callSignalAddress`.
    pub call_signal_addresses: Vec<SocketAddr>,
    /// `rasAddress`.
    pub ras_addresses: Vec<SocketAddr>,
    /// `terminalType` (and `endpointVendor` from its vendor).
    pub endpoint: EndpointInfo,
    /// `terminalAlias`.
    pub aliases: Vec<Alias>,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
    /// `timeToLive` in seconds.
    pub time_to_live: Option<u32>,
    /// `keepAlive`: a lightweight re-registration.
    pub keep_alive: bool,
    /// `endpointIdentifier` (required with keepAlive).
    pub endpoint_id: Option<String>,
}

impl Rrq {
    /// A full RRQ from a terminal.
    pub fn new(seq: u16, call_signal_address: SocketAddr, ras_address: SocketAddr) -> Self {
        Self {
            seq,
            discovery_complete: false,
            call_signal_addresses: vec![call_signal_address],
            ras_addresses: vec![ras_address],
            endpoint: EndpointInfo::default(),
            aliases: Vec::new(),
            gatekeeper_id: None,
            time_to_live: None,
            keep_alive: false,
            endpoint_id: None,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        let ttl = self
            .time_to_live
            .map(|t| {
                if t == 0 {
                    Err(BuildError::OutOfRange {
                        field: "timeToLive",
                        value: 0,
                    })
                } else {
                    Ok(TimeToLive(t))
                }
            })
            .transpose()?;
        Ok(RasMessage::registrationRequest(RegistrationRequest::new(
            seq(self.seq)?,
            protocol_identifier(),
            None,
            self.discovery_complete,
            addrs(&self.call_signal_addresses),
            addrs(&self.ras_addresses),
            self.endpoint.to_asn(),
            opt_aliases(&self.aliases)?,
            gk_id(&self.gatekeeper_id)?,
            self.endpoint.vendor.to_asn(),
            None,
            ttl,
            None,
            None,
            None,
            self.keep_alive,
            ep_id(&self.endpoint_id)?,
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
            false,
            None,
            None,
            None,
        )))
    }
}

/// RegistrationConfirm (RCF).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rcf {
    /// `requestSeqNum` of the RRQ.
    pub seq: u16,
    /// `callSignalAddress` of the gatekeeper (for routed calls), may be empty.
    pub call_signal_addresses: Vec<SocketAddr>,
    /// `terminalAlias` as registered.
    pub aliases: Vec<Alias>,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
    /// `endpointIdentifier` assigned to the endpoint.
    pub endpoint_id: String,
    /// `timeToLive` in seconds.
    pub time_to_live: Option<u32>,
}

impl Rcf {
    /// An RCF assigning `endpoint_id`.
    pub fn new(seq: u16, endpoint_id: impl Into<String>) -> Self {
        Self {
            seq,
            call_signal_addresses: Vec::new(),
            aliases: Vec::new(),
            gatekeeper_id: None,
            endpoint_id: endpoint_id.into(),
            time_to_live: None,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::registrationConfirm(RegistrationConfirm::new(
            seq(self.seq)?,
            protocol_identifier(),
            None,
            addrs(&self.call_signal_addresses),
            opt_aliases(&self.aliases)?,
            gk_id(&self.gatekeeper_id)?,
            endpoint_identifier(&self.endpoint_id)?,
            None,
            self.time_to_live.filter(|t| *t > 0).map(TimeToLive),
            None,
            None,
            None,
            false,
            None,
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
        )))
    }
}

/// RegistrationReject (RRJ).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rrj {
    /// `requestSeqNum` of the RRQ.
    pub seq: u16,
    /// `rejectReason`.
    pub reason: RegistrationRejectReason,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
}

impl Rrj {
    /// An RRJ with `reason`.
    pub fn new(seq: u16, reason: RegistrationRejectReason) -> Self {
        Self {
            seq,
            reason,
            gatekeeper_id: None,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::registrationReject(RegistrationReject::new(
            seq(self.seq)?,
            protocol_identifier(),
            None,
            self.reason.clone(),
            gk_id(&self.gatekeeper_id)?,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )))
    }
}

/// UnregistrationRequest (URQ), from an endpoint or a gatekeeper.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Urq {
    /// `requestSeqNum`.
    pub seq: u16,
    /// `callSignalAddress` of the registration.
    pub call_signal_addresses: Vec<SocketAddr>,
    /// `endpointAlias`.
    pub aliases: Vec<Alias>,
    /// `endpointIdentifier`.
    pub endpoint_id: Option<String>,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
    /// `reason`.
    pub reason: Option<UnregRequestReason>,
}

impl Urq {
    /// A URQ for the registration at `call_signal_address`.
    pub fn new(seq: u16, call_signal_address: SocketAddr) -> Self {
        Self {
            seq,
            call_signal_addresses: vec![call_signal_address],
            aliases: Vec::new(),
            endpoint_id: None,
            gatekeeper_id: None,
            reason: None,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::unregistrationRequest(
            UnregistrationRequest::new(
                seq(self.seq)?,
                addrs(&self.call_signal_addresses),
                opt_aliases(&self.aliases)?,
                None,
                ep_id(&self.endpoint_id)?,
                None,
                gk_id(&self.gatekeeper_id)?,
                None,
                None,
                None,
                self.reason.clone(),
                None,
                None,
                None,
                None,
                None,
            ),
        ))
    }
}

/// UnregistrationConfirm (UCF).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ucf {
    /// `requestSeqNum` of the URQ.
    pub seq: u16,
}

impl Ucf {
    /// A UCF.
    pub fn new(seq: u16) -> Self {
        Self { seq }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::unregistrationConfirm(
            UnregistrationConfirm::new(seq(self.seq)?, None, None, None, None, None, None),
        ))
    }
}

/// AdmissionRequest (ARQ): permission to place or answer a call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Arq {
    /// `requestSeqNum`.
    pub seq: u16,
    /// `endpointIdentifier` from the RCF.
    pub endpoint_id: String,
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `conferenceID`.
    pub conference_id: ConferenceId,
    /// `callReferenceValue` (the Q.931 call reference).
    pub call_reference_value: u16,
    /// `answerCall`: we are the called endpoint.
    pub answer_call: bool,
    /// `destinationInfo`.
    pub destination_aliases: Vec<Alias>,
    /// `destCallSignalAddress`.
    pub dest_call_signal_address: Option<SocketAddr>,
    /// `srcInfo` (mandatory, may be empty).
    pub source_aliases: Vec<Alias>,
    /// `srcCallSignalAddress`.
    pub src_call_signal_address: Option<SocketAddr>,
    /// `bandWidth` in 100 bit/s.
    pub bandwidth: u32,
    /// `callModel` (`None`: let the gatekeeper choose).
    pub call_model: Option<CallModel>,
    /// `activeMC`.
    pub active_mc: bool,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
}

impl Arq {
    /// An ARQ for an outgoing call with 1280 (128 kbit/s: two G.711 directions).
    pub fn new(
        seq: u16,
        endpoint_id: impl Into<String>,
        call_id: CallId,
        conference_id: ConferenceId,
        call_reference_value: u16,
    ) -> Self {
        Self {
            seq,
            endpoint_id: endpoint_id.into(),
            call_id,
            conference_id,
            call_reference_value,
            answer_call: false,
            destination_aliases: Vec::new(),
            dest_call_signal_address: None,
            source_aliases: Vec::new(),
            src_call_signal_address: None,
            bandwidth: 1280,
            call_model: None,
            active_mc: false,
            gatekeeper_id: None,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::admissionRequest(AdmissionRequest::new(
            seq(self.seq)?,
            CallType::pointToPoint(()),
            self.call_model.clone(),
            endpoint_identifier(&self.endpoint_id)?,
            opt_aliases(&self.destination_aliases)?,
            self.dest_call_signal_address.map(transport_address),
            None,
            aliases_to_asn(&self.source_aliases)?,
            self.src_call_signal_address.map(transport_address),
            BandWidth(self.bandwidth),
            CallReferenceValue(self.call_reference_value),
            None,
            None,
            self.conference_id.to_asn(),
            self.active_mc,
            self.answer_call,
            false,
            self.call_id.to_asn(),
            None,
            None,
            gk_id(&self.gatekeeper_id)?,
            None,
            None,
            None,
            None,
            false,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            false,
        )))
    }
}

/// AdmissionConfirm (ACF).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Acf {
    /// `requestSeqNum` of the ARQ.
    pub seq: u16,
    /// `bandWidth` granted, in 100 bit/s.
    pub bandwidth: u32,
    /// `callModel`.
    pub call_model: CallModel,
    /// `destCallSignalAddress`: where to send the Setup.
    pub dest_call_signal_address: SocketAddr,
    /// `irrFrequency` in seconds.
    pub irr_frequency: Option<u16>,
    /// `destinationInfo`.
    pub destination_aliases: Vec<Alias>,
}

impl Acf {
    /// A direct-model ACF sending the call to `dest_call_signal_address`.
    pub fn new(seq: u16, bandwidth: u32, dest_call_signal_address: SocketAddr) -> Self {
        Self {
            seq,
            bandwidth,
            call_model: CallModel::direct(()),
            dest_call_signal_address,
            irr_frequency: None,
            destination_aliases: Vec::new(),
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::admissionConfirm(AdmissionConfirm::new(
            seq(self.seq)?,
            BandWidth(self.bandwidth),
            self.call_model.clone(),
            transport_address(self.dest_call_signal_address),
            self.irr_frequency.filter(|f| *f > 0),
            None,
            opt_aliases(&self.destination_aliases)?,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            false,
            no_uuies(),
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
        )))
    }
}

/// AdmissionReject (ARJ).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Arj {
    /// `requestSeqNum` of the ARQ.
    pub seq: u16,
    /// `rejectReason`.
    pub reason: AdmissionRejectReason,
}

impl Arj {
    /// An ARJ with `reason`.
    pub fn new(seq: u16, reason: AdmissionRejectReason) -> Self {
        Self { seq, reason }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::admissionReject(AdmissionReject::new(
            seq(self.seq)?,
            self.reason.clone(),
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
        )))
    }
}

/// DisengageRequest (DRQ): the call ended (or the gatekeeper ends it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drq {
    /// `requestSeqNum`.
    pub seq: u16,
    /// `endpointIdentifier`.
    pub endpoint_id: String,
    /// `conferenceID`.
    pub conference_id: ConferenceId,
    /// `callReferenceValue`.
    pub call_reference_value: u16,
    /// `disengageReason`.
    pub reason: DisengageReason,
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
    /// `answeredCall`: we were the called endpoint.
    pub answered_call: bool,
}

impl Drq {
    /// A DRQ with reason normalDrop.
    pub fn new(
        seq: u16,
        endpoint_id: impl Into<String>,
        call_id: CallId,
        conference_id: ConferenceId,
        call_reference_value: u16,
    ) -> Self {
        Self {
            seq,
            endpoint_id: endpoint_id.into(),
            conference_id,
            call_reference_value,
            reason: DisengageReason::normalDrop(()),
            call_id,
            gatekeeper_id: None,
            answered_call: false,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::disengageRequest(DisengageRequest::new(
            seq(self.seq)?,
            endpoint_identifier(&self.endpoint_id)?,
            self.conference_id.to_asn(),
            CallReferenceValue(self.call_reference_value),
            self.reason.clone(),
            None,
            self.call_id.to_asn(),
            gk_id(&self.gatekeeper_id)?,
            None,
            None,
            None,
            self.answered_call,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )))
    }
}

/// DisengageConfirm (DCF).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Dcf {
    /// `requestSeqNum` of the DRQ.
    pub seq: u16,
}

impl Dcf {
    /// A DCF.
    pub fn new(seq: u16) -> Self {
        Self { seq }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::disengageConfirm(DisengageConfirm::new(
            seq(self.seq)?,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )))
    }
}

/// LocationRequest (LRQ): where is `destination_aliases`?
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lrq {
    /// `requestSeqNum`.
    pub seq: u16,
    /// `endpointIdentifier` of the asking endpoint.
    pub endpoint_id: Option<String>,
    /// `destinationInfo`.
    pub destination_aliases: Vec<Alias>,
    /// `replyAddress`.
    pub reply_address: SocketAddr,
    /// `sourceInfo`.
    pub source_aliases: Vec<Alias>,
    /// `gatekeeperIdentifier`.
    pub gatekeeper_id: Option<String>,
    /// `callIdentifier`.
    pub call_id: Option<CallId>,
    /// `bandWidth`.
    pub bandwidth: Option<u32>,
}

impl Lrq {
    /// An LRQ for `destination_aliases`, answered at `reply_address`.
    pub fn new(seq: u16, destination_aliases: Vec<Alias>, reply_address: SocketAddr) -> Self {
        Self {
            seq,
            endpoint_id: None,
            destination_aliases,
            reply_address,
            source_aliases: Vec::new(),
            gatekeeper_id: None,
            call_id: None,
            bandwidth: None,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::locationRequest(LocationRequest::new(
            seq(self.seq)?,
            ep_id(&self.endpoint_id)?,
            aliases_to_asn(&self.destination_aliases)?,
            None,
            transport_address(self.reply_address),
            opt_aliases(&self.source_aliases)?,
            false,
            gk_id(&self.gatekeeper_id)?,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            self.call_id.map(|c| c.to_asn()),
            self.bandwidth.map(BandWidth),
            None,
            false,
            None,
        )))
    }
}

/// LocationConfirm (LCF).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lcf {
    /// `requestSeqNum` of the LRQ.
    pub seq: u16,
    /// `callSignalAddress` of the located endpoint (or its gatekeeper).
    pub call_signal_address: SocketAddr,
    /// `rasAddress`.
    pub ras_address: SocketAddr,
    /// `destinationInfo`.
    pub destination_aliases: Vec<Alias>,
}

impl Lcf {
    /// An LCF.
    pub fn new(seq: u16, call_signal_address: SocketAddr, ras_address: SocketAddr) -> Self {
        Self {
            seq,
            call_signal_address,
            ras_address,
            destination_aliases: Vec::new(),
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::locationConfirm(LocationConfirm::new(
            seq(self.seq)?,
            transport_address(self.call_signal_address),
            transport_address(self.ras_address),
            None,
            opt_aliases(&self.destination_aliases)?,
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
            None,
        )))
    }
}

/// LocationReject (LRJ).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lrj {
    /// `requestSeqNum` of the LRQ.
    pub seq: u16,
    /// `rejectReason`.
    pub reason: LocationRejectReason,
}

impl Lrj {
    /// An LRJ with `reason`.
    pub fn new(seq: u16, reason: LocationRejectReason) -> Self {
        Self { seq, reason }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::locationReject(LocationReject::new(
            seq(self.seq)?,
            self.reason.clone(),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        )))
    }
}

/// InfoRequest (IRQ): the gatekeeper asks for call status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Irq {
    /// `requestSeqNum`.
    pub seq: u16,
    /// `callReferenceValue`; 0 asks about all calls.
    pub call_reference_value: u16,
    /// `replyAddress`.
    pub reply_address: Option<SocketAddr>,
    /// `callIdentifier`; zero asks about all calls.
    pub call_id: CallId,
}

impl Irq {
    /// An IRQ about all calls.
    pub fn new(seq: u16) -> Self {
        Self {
            seq,
            call_reference_value: 0,
            reply_address: None,
            call_id: CallId::ZERO,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        Ok(RasMessage::infoRequest(InfoRequest::new(
            seq(self.seq)?,
            CallReferenceValue(self.call_reference_value),
            None,
            self.reply_address.map(transport_address),
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
            None,
            None,
        )))
    }
}

/// One call reported in an IRR's `perCallInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IrrCall {
    /// `callReferenceValue`.
    pub call_reference_value: u16,
    /// `conferenceID`.
    pub conference_id: ConferenceId,
    /// `callIdentifier`.
    pub call_id: CallId,
    /// `originator`: we placed the call.
    pub originator: bool,
    /// `bandWidth` in use, in 100 bit/s.
    pub bandwidth: u32,
    /// `callModel`.
    pub call_model: CallModel,
    /// `callSignalling`: our (send) and the peer's (recv) call-signalling addresses.
    pub call_signalling: (Option<SocketAddr>, Option<SocketAddr>),
}

impl IrrCall {
    /// A direct-model call.
    pub fn new(call_reference_value: u16, call_id: CallId, conference_id: ConferenceId) -> Self {
        Self {
            call_reference_value,
            conference_id,
            call_id,
            originator: false,
            bandwidth: 1280,
            call_model: CallModel::direct(()),
            call_signalling: (None, None),
        }
    }

    fn to_asn(&self) -> AnonymousInfoRequestResponsePerCallInfo {
        AnonymousInfoRequestResponsePerCallInfo::new(
            None,
            CallReferenceValue(self.call_reference_value),
            self.conference_id.to_asn(),
            Some(self.originator),
            None,
            None,
            None,
            TransportChannelInfo::new(None, None),
            TransportChannelInfo::new(
                self.call_signalling.0.map(transport_address),
                self.call_signalling.1.map(transport_address),
            ),
            CallType::pointToPoint(()),
            BandWidth(self.bandwidth),
            self.call_model.clone(),
            self.call_id.to_asn(),
            None,
            None,
            Vec::new(),
            None,
            None,
            None,
            None,
        )
    }
}

/// InfoRequestResponse (IRR).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Irr {
    /// `requestSeqNum` of the IRQ (any for an unsolicited IRR).
    pub seq: u16,
    /// `endpointType`.
    pub endpoint: EndpointInfo,
    /// `endpointIdentifier`.
    pub endpoint_id: String,
    /// `rasAddress`.
    pub ras_address: SocketAddr,
    /// `callSignalAddress`.
    pub call_signal_addresses: Vec<SocketAddr>,
    /// `endpointAlias`.
    pub aliases: Vec<Alias>,
    /// `perCallInfo`.
    pub calls: Vec<IrrCall>,
    /// `needResponse`: ask for an IACK/INAK.
    pub need_response: bool,
    /// `unsolicited`.
    pub unsolicited: bool,
}

impl Irr {
    /// An IRR from a terminal.
    pub fn new(
        seq: u16,
        endpoint_id: impl Into<String>,
        ras_address: SocketAddr,
        call_signal_address: SocketAddr,
    ) -> Self {
        Self {
            seq,
            endpoint: EndpointInfo::default(),
            endpoint_id: endpoint_id.into(),
            ras_address,
            call_signal_addresses: vec![call_signal_address],
            aliases: Vec::new(),
            calls: Vec::new(),
            need_response: false,
            unsolicited: false,
        }
    }

    /// The message.
    pub fn build(&self) -> Result<RasMessage, BuildError> {
        let calls = (!self.calls.is_empty()).then(|| {
            InfoRequestResponsePerCallInfo(self.calls.iter().map(IrrCall::to_asn).collect())
        });
        Ok(RasMessage::infoRequestResponse(InfoRequestResponse::new(
            None,
            seq(self.seq)?,
            self.endpoint.to_asn(),
            endpoint_identifier(&self.endpoint_id)?,
            transport_address(self.ras_address),
            addrs(&self.call_signal_addresses),
            opt_aliases(&self.aliases)?,
            calls,
            None,
            None,
            None,
            self.need_response,
            None,
            None,
            self.unsolicited,
            None,
        )))
    }
}
