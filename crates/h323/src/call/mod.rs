//! One H.323 call, caller or callee, as a sans-IO state machine: Q.931 call states over TPKT,
//! H.225.0 user-information, fast connect, and an H.245 session carried either tunnelled in
//! H.225.0 or on a separate TCP connection.
//!
//! Drive it like this (the order matters, as in quinn-proto):
//!
//! 1. bytes from the call signalling TCP connection → [`Call::handle_input`] with
//!    [`Channel::Signalling`]; bytes from the separate H.245 connection, once there is one, with
//!    [`Channel::H245`];
//! 2. when the instant from [`Call::poll_timeout`] passes → [`Call::handle_timeout`];
//! 3. after either, drain [`Call::poll_transmit`] (write each to its channel) and
//!    [`Call::poll_event`].
//!
//! Commands ([`Call::accept`], [`Call::hangup`], ...) also queue transmits and events. Nothing in
//! here opens a socket or reads a clock; the I/O layer must announce only addresses it has bound.
//!
//! States are named after Q.931 clause 2.1 (U0 Null … U10 Active).

mod fast_start;
pub mod uu;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use h323_asn1::h225::{FacilityReason, ReleaseCompleteReason};
use h323_asn1::h245::MultimediaSystemControlMessage;

use crate::h245::session::{H245Config, H245Event, H245Session, MediaChannel};
use crate::q931::{
    BearerCapability, CallReference, CallState as CallStateIe, Cause, CauseValue, Ia5String,
    InformationElement as Ie, Message, MessageType, PartyNumber, UserUser,
};
use crate::rand::SplitMix64;
use crate::tpkt;

pub use uu::{Alias, EndpointKind};

/// A one-line summary of one TPKT payload for logs: `Setup (call 7) [setup, fastStart 4,
/// tunnelled terminalCapabilitySet]`, or the H.245 PDU name on a separate H.245 connection. The
/// call reference value, which both ends of a call use, tells the calls of a log apart.
pub fn describe(channel: Channel, frame: &[u8]) -> String {
    let h245_name = |b: &[u8]| match rasn::aper::decode::<MultimediaSystemControlMessage>(b) {
        Ok(m) => crate::h245::names::message_name(&m).to_owned(),
        Err(_) => "undecodable H.245".to_owned(),
    };
    if channel == Channel::H245 {
        return format!("H.245 {}", h245_name(frame));
    }
    let msg = match Message::decode(frame) {
        Ok(m) => m,
        Err(e) => return format!("malformed Q.931: {e}"),
    };
    let mut parts = Vec::new();
    if let Some(Ok(ui)) = msg.user_user().map(crate::h225::UserInfo::decode) {
        let r = uu::read(&ui);
        parts.push(r.body.to_owned());
        if let Some(a) = r.destination.first() {
            parts.push(format!("to {}", uu::describe_alias(a)));
        }
        if !r.fast_start.is_empty() {
            parts.push(format!("fastStart {}", r.fast_start.len()));
        }
        if let Some(reason) = r.release_reason.as_ref() {
            parts.push(uu::release_reason_name(reason).to_owned());
        }
        for pdu in &r.h245_control {
            parts.push(format!("tunnelled {}", h245_name(pdu)));
        }
    }
    if let Some(c) = msg.cause() {
        parts.push(format!("cause {}", c.value));
    }
    format!(
        "{:?} (call {}) [{}]",
        msg.message_type,
        msg.call_reference.value,
        parts.join(", ")
    )
}

/// Which TCP connection bytes belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// H.225.0 call signalling (Q.931 in TPKT).
    Signalling,
    /// A separate H.245 control connection (H.245 PDUs in TPKT).
    H245,
}

/// Bytes to write, already TPKT-framed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where they go.
    pub channel: Channel,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Q.931 call states (Q.931 clause 2.1.1, user side), the value the Call state IE carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// U0: no call.
    Null,
    /// U1: Setup sent.
    CallInitiated,
    /// U3: CallProceeding received.
    OutgoingCallProceeding,
    /// U4: Alerting received.
    CallDelivered,
    /// U6: Setup received, not yet answered.
    CallPresent,
    /// U7: Alerting sent.
    CallReceived,
    /// U9: CallProceeding sent.
    IncomingCallProceeding,
    /// U10: connected.
    Active,
    /// The call is over (ReleaseComplete sent or received); U0 again for Q.931.
    Released,
}

impl CallState {
    /// The Q.931 Call state IE value.
    pub fn q931_value(self) -> u8 {
        match self {
            CallState::Null | CallState::Released => 0,
            CallState::CallInitiated => 1,
            CallState::OutgoingCallProceeding => 3,
            CallState::CallDelivered => 4,
            CallState::CallPresent => 6,
            CallState::CallReceived => 7,
            CallState::IncomingCallProceeding => 9,
            CallState::Active => 10,
        }
    }
}

/// Q.931 timers (Q.931 clause 9.1; H.225.0 clause 7.4 keeps them for TCP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimers {
    /// T303: Setup sent, waiting for any answer.
    pub t303: Duration,
    /// T310: CallProceeding received, waiting for Alerting/Connect.
    pub t310: Duration,
    /// T301: Alerting received, waiting for Connect.
    pub t301: Duration,
}

impl Default for CallTimers {
    fn default() -> Self {
        CallTimers {
            t303: Duration::from_secs(4),
            t310: Duration::from_secs(30),
            t301: Duration::from_secs(180),
        }
    }
}

/// How a call is set up, on either side.
#[derive(Debug, Clone)]
pub struct CallConfig {
    /// What we are (sourceInfo / destinationInfo).
    pub kind: EndpointKind,
    /// Our aliases (sourceAddress for a caller).
    pub aliases: Vec<Alias>,
    /// Our name, sent as Q.931 Display and H.225.0 displayName.
    pub display: Option<String>,
    /// Our call signalling address, when known (sourceCallSignalAddress).
    pub signalling_address: Option<SocketAddr>,
    /// The H.245 side: capabilities, our media addresses, timers.
    pub h245: H245Config,
    /// Offer (caller) or accept (callee) fast connect.
    pub fast_start: bool,
    /// Offer or accept H.245 tunnelling.
    pub tunnelling: bool,
    /// A listening socket for a separate H.245 connection, if the I/O layer has one; we then
    /// announce it as h245Address when tunnelling is not in use.
    pub h245_listener: Option<SocketAddr>,
    /// Q.931 timers.
    pub timers: CallTimers,
}

/// Where to call.
#[derive(Debug, Clone)]
pub struct Dial {
    /// destinationAddress, e.g. the conference number as dialedDigits.
    pub destination: Vec<Alias>,
    /// Q.931 Called party number digits (sent when the destination is numeric).
    pub called_number: Option<String>,
    /// The peer's call signalling address.
    pub address: SocketAddr,
}

/// What a Setup asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingCall {
    /// destinationAddress.
    pub destination: Vec<Alias>,
    /// Q.931 Called party number digits.
    pub called_number: Option<String>,
    /// sourceAddress.
    pub source: Vec<Alias>,
    /// Q.931 Calling party number digits.
    pub calling_number: Option<String>,
    /// Display IE or displayName.
    pub display: Option<String>,
    /// The caller offered fast connect.
    pub fast_start_offered: bool,
    /// The caller offered tunnelling.
    pub tunnelling_offered: bool,
    /// The caller is an MCU.
    pub from_mcu: bool,
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// We did (a command, a timer, or a protocol error on the peer's part).
    Local,
    /// The peer did.
    Remote,
}

/// How a call ended: the Q.931 cause and the H.225.0 reason, as sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Q.850 cause.
    pub cause: CauseValue,
    /// H.225.0 ReleaseCompleteReason name, e.g. `calledPartyNotRegistered`.
    pub reason: Option<&'static str>,
    /// Who ended it.
    pub by: Side,
}

/// What a call tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A Setup arrived: answer with proceed/alert/accept/reject.
    Incoming(IncomingCall),
    /// CallProceeding arrived.
    Proceeding,
    /// Alerting arrived.
    Alerting,
    /// The call is active.
    Connected,
    /// Open a TCP connection for H.245 to this address, then call [`Call::h245_connected`].
    ConnectH245(SocketAddr),
    /// An H.245 event: channels opened/closed, fast update requests, user input ...
    H245(H245Event),
    /// The call is over; close its connections once the queued transmits are written.
    Released(Release),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum H245Transport {
    /// Not decided yet, or no H.245 at all.
    None,
    /// Inside H.225.0 messages.
    Tunnelled,
    /// On its own TCP connection.
    Separate { connected: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    T303,
    T310,
    T301,
}

/// One H.323 call.
#[derive(Debug)]
pub struct Call {
    config: CallConfig,
    is_caller: bool,
    state: CallState,
    crv: u16,
    call_id: [u8; 16],
    conference_id: [u8; 16],
    signalling: tpkt::Deframer,
    h245_stream: tpkt::Deframer,
    h245: H245Session,
    transport: H245Transport,
    peer_tunnelling: Option<bool>,
    peer_version: u32,
    fast_start_offer: Vec<Vec<u8>>,
    fast_start_settled: bool,
    pending_tunnel: Vec<Vec<u8>>,
    responded: bool,
    timer: Option<(Timer, Instant)>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl Call {
    fn new(config: CallConfig, is_caller: bool, seed: u64) -> Call {
        let mut rng = SplitMix64::new(seed);
        let h245 = H245Session::new(config.h245.clone(), rng.next_u64());
        Call {
            is_caller,
            state: CallState::Null,
            // Call reference values are 15 bits and 0 is the global call reference.
            crv: (rng.next_u32() % 0x7FFF + 1) as u16,
            call_id: rng.guid(),
            conference_id: rng.guid(),
            signalling: tpkt::Deframer::new(),
            h245_stream: tpkt::Deframer::new(),
            h245,
            transport: H245Transport::None,
            peer_tunnelling: None,
            peer_version: 2,
            fast_start_offer: Vec::new(),
            fast_start_settled: false,
            pending_tunnel: Vec::new(),
            responded: false,
            timer: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            config,
        }
    }

    /// Places a call: queues the Setup and starts T303. `seed` feeds call reference, GUIDs and
    /// H.245 numbers.
    pub fn outgoing(now: Instant, config: CallConfig, dial: Dial, seed: u64) -> Call {
        let mut call = Call::new(config, true, seed);
        if call.config.fast_start {
            call.fast_start_offer =
                fast_start::propose(&call.config.h245.capabilities, &call.config.h245.media);
        }
        let h245_address = (!call.config.tunnelling)
            .then_some(call.config.h245_listener)
            .flatten();
        let body = uu::setup(uu::SetupParams {
            kind: call.config.kind,
            source: &call.config.aliases,
            destination: &dial.destination,
            dest_address: dial.address,
            source_address: call.config.signalling_address,
            conference_id: call.conference_id,
            call_id: call.call_id,
            fast_start: call.fast_start_offer.clone(),
            h245_address,
            display: call.config.display.as_deref(),
        });
        if h245_address.is_some() {
            call.transport = H245Transport::Separate { connected: false };
        }
        let bearer = if call.config.h245.capabilities.video.is_empty() {
            BearerCapability::h323_speech()
        } else {
            BearerCapability::h323_unrestricted_digital()
        };
        let mut msg =
            Message::new(MessageType::Setup, call.reference()).with(Ie::BearerCapability(bearer));
        if let Some(d) = &call.config.display {
            msg = msg.with(Ie::Display(Ia5String::new(d)));
        }
        if let Some(digits) = call.config.aliases.iter().find_map(|a| match a {
            Alias::DialedDigits(d) => Some(d.clone()),
            _ => None,
        }) {
            msg = msg.with(Ie::CallingPartyNumber(PartyNumber::new(&digits)));
        }
        if let Some(n) = &dial.called_number {
            msg = msg.with(Ie::CalledPartyNumber(PartyNumber::new(n)));
        }
        let tunnelling = call.config.tunnelling;
        call.send_q931(msg, body, tunnelling);
        call.state = CallState::CallInitiated;
        call.set_timer(now, Timer::T303);
        call
    }

    /// Waits for a Setup on a new call signalling connection.
    pub fn incoming(_now: Instant, config: CallConfig, seed: u64) -> Call {
        Call::new(config, false, seed)
    }

    /// The Q.931 state.
    pub fn state(&self) -> CallState {
        self.state
    }

    /// What we are (gateway, MCU, terminal).
    pub fn kind(&self) -> EndpointKind {
        self.config.kind
    }

    /// Gives the call a listening socket for a separate H.245 connection after it was created:
    /// a callee whose caller does not tunnel announces it in its answer (an I/O layer need not
    /// listen for every call, as most callers tunnel).
    pub fn set_h245_listener(&mut self, addr: SocketAddr) {
        self.config.h245_listener = Some(addr);
    }

    /// True for the calling side.
    pub fn is_caller(&self) -> bool {
        self.is_caller
    }

    /// The callIdentifier GUID.
    pub fn call_id(&self) -> [u8; 16] {
        self.call_id
    }

    /// The conferenceID GUID.
    pub fn conference_id(&self) -> [u8; 16] {
        self.conference_id
    }

    /// The H.245 session (capabilities, roles, channels).
    pub fn h245(&self) -> &H245Session {
        &self.h245
    }

    /// Open media channels.
    pub fn channels(&self) -> impl Iterator<Item = &MediaChannel> {
        self.h245.channels()
    }

    /// True when H.245 runs tunnelled in H.225.0.
    pub fn tunnelled(&self) -> bool {
        self.transport == H245Transport::Tunnelled
    }

    fn reference(&self) -> CallReference {
        CallReference::new(self.crv, !self.is_caller)
    }

    fn set_timer(&mut self, now: Instant, t: Timer) {
        let d = match t {
            Timer::T303 => self.config.timers.t303,
            Timer::T310 => self.config.timers.t310,
            Timer::T301 => self.config.timers.t301,
        };
        self.timer = Some((t, now + d));
    }

    fn send_q931(&mut self, msg: Message, body: crate::h225::Body, tunnelling: bool) {
        let h245_control = if self.transport == H245Transport::Tunnelled
            || (tunnelling && !self.pending_tunnel.is_empty())
        {
            std::mem::take(&mut self.pending_tunnel)
        } else {
            Vec::new()
        };
        let uu = uu::Uu {
            body,
            tunnelling,
            h245_control,
        }
        .encode();
        let msg = msg.with(Ie::UserUser(UserUser::h225(uu)));
        self.push_signalling(&msg);
    }

    fn push_signalling(&mut self, msg: &Message) {
        let mut bytes = Vec::new();
        // A Q.931 message we built always fits a TPKT (user-user is bounded by the encoder).
        if tpkt::encode(&msg.encode(), &mut bytes).is_ok() {
            self.transmits.push_back(Transmit {
                channel: Channel::Signalling,
                bytes,
            });
        }
    }

    fn tunnelling_flag(&self) -> bool {
        self.config.tunnelling && self.peer_tunnelling != Some(false)
    }

    // ---- commands -------------------------------------------------------------------------

    /// Callee: sends CallProceeding (with the fast connect answer, when there is one).
    pub fn proceed(&mut self, now: Instant) {
        if self.state != CallState::CallPresent {
            return;
        }
        let fs = self.fast_start_answer(now);
        let body = uu::call_proceeding(self.config.kind, self.call_id, fs);
        let msg = Message::new(MessageType::CallProceeding, self.reference());
        let t = self.tunnelling_flag();
        self.send_q931(msg, body, t);
        self.responded = true;
        self.state = CallState::IncomingCallProceeding;
    }

    /// Callee: sends Alerting.
    pub fn alert(&mut self, now: Instant) {
        if !matches!(
            self.state,
            CallState::CallPresent | CallState::IncomingCallProceeding
        ) {
            return;
        }
        let fs = self.fast_start_answer(now);
        let body = uu::alerting(self.config.kind, self.call_id, fs);
        let msg = Message::new(MessageType::Alerting, self.reference());
        let t = self.tunnelling_flag();
        self.send_q931(msg, body, t);
        self.responded = true;
        self.state = CallState::CallReceived;
    }

    /// Callee: answers with Connect; H.245 starts (tunnelled in this very Connect when both
    /// sides tunnel, otherwise on the connection the peer opens to our h245Address).
    pub fn accept(&mut self, now: Instant) {
        if !matches!(
            self.state,
            CallState::CallPresent | CallState::IncomingCallProceeding | CallState::CallReceived
        ) {
            return;
        }
        let fs = self.fast_start_answer(now);
        let tunnelling = self.tunnelling_flag();
        let mut h245_address = None;
        if tunnelling {
            self.transport = H245Transport::Tunnelled;
            self.h245.start(now);
            self.collect_h245();
        } else if let Some(l) = self.config.h245_listener {
            if self.transport == H245Transport::None {
                self.transport = H245Transport::Separate { connected: false };
            }
            h245_address = Some(l);
        }
        let body = uu::connect(
            self.config.kind,
            self.conference_id,
            self.call_id,
            fs,
            h245_address,
            self.config.display.as_deref(),
        );
        let mut msg = Message::new(MessageType::Connect, self.reference());
        if let Some(d) = &self.config.display {
            msg = msg.with(Ie::Display(Ia5String::new(d)));
        }
        self.send_q931(msg, body, tunnelling);
        self.responded = true;
        self.state = CallState::Active;
        self.events.push_back(Event::Connected);
        self.drain_h245_events(now);
    }

    /// Callee: refuses the call with a Q.850 cause and, optionally, an H.225.0 reason.
    pub fn reject(
        &mut self,
        now: Instant,
        cause: CauseValue,
        reason: Option<ReleaseCompleteReason>,
    ) {
        if matches!(self.state, CallState::Null | CallState::Released) {
            return;
        }
        self.release(now, cause, reason, Side::Local);
    }

    /// Either side: ends the call (H.323 clause 8.5: endSessionCommand, then ReleaseComplete).
    pub fn hangup(&mut self, now: Instant, cause: CauseValue) {
        if matches!(self.state, CallState::Null | CallState::Released) {
            return;
        }
        let reason = uu::reason_for_cause(cause.code());
        self.release(now, cause, reason, Side::Local);
    }

    /// The call signalling connection closed under us: the call is over without a
    /// ReleaseComplete (H.323 clause 8.6: losing the connection clears the call). Reported with
    /// Q.850 27, destination out of order.
    pub fn connection_lost(&mut self, _now: Instant) {
        if matches!(self.state, CallState::Null | CallState::Released) {
            self.state = CallState::Released;
            return;
        }
        self.transmits.clear();
        self.finish(Release {
            cause: CauseValue::DestinationOutOfOrder,
            reason: None,
            by: Side::Remote,
        });
    }

    /// The separate H.245 connection is up (we connected to the peer's h245Address, or the
    /// peer connected to our listener).
    pub fn h245_connected(&mut self, now: Instant) {
        if matches!(self.state, CallState::Released) {
            return;
        }
        self.transport = H245Transport::Separate { connected: true };
        self.h245.start(now);
        self.flush_h245(now);
    }

    /// Sends user input (DTMF) over H.245.
    pub fn send_user_input(&mut self, now: Instant, text: &str) {
        self.h245.send_user_input(text);
        self.flush_h245(now);
    }

    /// As an MCU, tells the peer its label in the conference (`terminalNumberAssign`), the
    /// sign that it is in.
    pub fn assign_terminal_number(&mut self, now: Instant, mcu: u8, terminal: u8) {
        self.h245.assign_terminal_number(mcu, terminal);
        self.flush_h245(now);
    }

    /// Asks the peer for an intra picture on the video channel it sends us.
    pub fn request_fast_update(&mut self, now: Instant, channel: u16) {
        self.h245.request_fast_update(channel);
        self.flush_h245(now);
    }

    fn release(
        &mut self,
        now: Instant,
        cause: CauseValue,
        reason: Option<ReleaseCompleteReason>,
        by: Side,
    ) {
        if self.h245.started() && !self.h245.ended() {
            self.h245.end_session();
            if self.transport == H245Transport::Tunnelled {
                // Into the ReleaseComplete, not a Facility of its own: a peer that got the
                // endSessionCommand first would clear the call itself with cause 16, and the
                // cause sent here would be lost.
                self.collect_h245();
            } else {
                self.flush_h245(now);
            }
        }
        let reason_name = reason.as_ref().map(uu::release_reason_name);
        let body = uu::release_complete(self.call_id, reason);
        let msg = Message::new(MessageType::ReleaseComplete, self.reference())
            .with(Ie::Cause(Cause::new(cause)));
        let t = self.tunnelling_flag();
        // Tunnelled endSessionCommand rides in the ReleaseComplete itself.
        self.send_q931(msg, body, t);
        self.finish(Release {
            cause,
            reason: reason_name,
            by,
        });
    }

    fn finish(&mut self, release: Release) {
        self.state = CallState::Released;
        self.timer = None;
        self.pending_tunnel.clear();
        self.events.push_back(Event::Released(release));
    }

    // ---- input ----------------------------------------------------------------------------

    /// Bytes from one of the call's TCP connections, in order, split anywhere.
    pub fn handle_input(&mut self, now: Instant, channel: Channel, bytes: &[u8]) {
        if self.state == CallState::Released {
            return;
        }
        let deframer = match channel {
            Channel::Signalling => &mut self.signalling,
            Channel::H245 => &mut self.h245_stream,
        };
        deframer.push(bytes);
        loop {
            let deframer = match channel {
                Channel::Signalling => &mut self.signalling,
                Channel::H245 => &mut self.h245_stream,
            };
            match deframer.next_frame() {
                Ok(Some(frame)) => match channel {
                    Channel::Signalling => self.handle_q931(now, &frame),
                    Channel::H245 => self.handle_h245_pdu(now, &frame),
                },
                Ok(None) => break,
                Err(_) => {
                    // The byte stream is out of step: nothing after this can be trusted, so the
                    // call cannot go on (Q.850 111, protocol error).
                    if channel == Channel::Signalling {
                        self.release(now, CauseValue::ProtocolError, None, Side::Local);
                    } else {
                        self.h245_failure(now, "H.245 TPKT framing error");
                    }
                    return;
                }
            }
            if self.state == CallState::Released {
                return;
            }
        }
        self.flush_h245(now);
    }

    fn handle_h245_pdu(&mut self, now: Instant, frame: &[u8]) {
        match crate::h245::coding::decode(frame) {
            Ok(pdu) => {
                self.h245.handle_message(now, pdu);
                self.drain_h245_events(now);
            }
            // Answered with functionNotSupported (syntaxError); the session's procedures and
            // their timers go on as if it had not arrived.
            Err(_) => self.h245.handle_undecodable(frame),
        }
    }

    fn h245_failure(&mut self, now: Instant, _why: &str) {
        self.release(now, CauseValue::ProtocolError, None, Side::Local);
    }

    fn send_status(&mut self, cause: CauseValue, reference: CallReference) {
        let msg = Message::new(MessageType::Status, reference)
            .with(Ie::Cause(Cause::new(cause)))
            .with(Ie::CallState(CallStateIe::new(self.state.q931_value())));
        self.push_signalling(&msg);
    }

    fn handle_q931(&mut self, now: Instant, frame: &[u8]) {
        let msg = match Message::decode(frame) {
            Ok(m) => m,
            Err(e) => {
                // Q.931 5.8: an undecodable message is answered with Status, the call survives.
                if self.state != CallState::Null {
                    self.send_status(e.cause(), self.reference());
                } else {
                    self.release(now, e.cause(), None, Side::Local);
                }
                return;
            }
        };
        if self.state == CallState::Null && !self.is_caller {
            if msg.message_type != MessageType::Setup {
                // Q.931 5.8.3.2: a message for a call we do not have.
                if msg.message_type != MessageType::ReleaseComplete {
                    let m = Message::new(MessageType::ReleaseComplete, msg.call_reference.reply())
                        .with(Ie::Cause(Cause::new(CauseValue::InvalidCallReference)));
                    self.push_signalling(&m);
                }
                return;
            }
            self.crv = msg.call_reference.value;
        } else if msg.call_reference.value != self.crv
            || msg.call_reference.from_destination != self.is_caller
        {
            if msg.message_type != MessageType::ReleaseComplete {
                let m = Message::new(MessageType::ReleaseComplete, msg.call_reference.reply())
                    .with(Ie::Cause(Cause::new(CauseValue::InvalidCallReference)));
                self.push_signalling(&m);
            }
            return;
        }
        let received = match msg.user_user().map(crate::h225::stencil::decode) {
            Some(Ok(ui)) => Some(uu::read(&ui)),
            Some(Err(_)) => {
                if msg.message_type == MessageType::Setup {
                    self.release(now, CauseValue::InvalidIeContents, None, Side::Local);
                } else {
                    self.send_status(CauseValue::InvalidIeContents, self.reference());
                }
                return;
            }
            None => None,
        };
        if let Some(r) = &received {
            if let Some(v) = r.version {
                self.peer_version = v;
            }
            if matches!(
                msg.message_type,
                MessageType::Setup
                    | MessageType::CallProceeding
                    | MessageType::Alerting
                    | MessageType::Connect
                    | MessageType::Progress
                    | MessageType::Facility
            ) && r.body != "empty"
            {
                // Once a peer says FALSE, tunnelling is off for the call (H.225.0 7.? / H.323 8.2.1).
                if self.peer_tunnelling != Some(false) {
                    self.peer_tunnelling = Some(r.tunnelling);
                }
            }
        }
        match msg.message_type {
            MessageType::Setup => self.on_setup(now, &msg, received),
            MessageType::CallProceeding => {
                if self.state == CallState::CallInitiated {
                    self.state = CallState::OutgoingCallProceeding;
                    self.set_timer(now, Timer::T310);
                    self.events.push_back(Event::Proceeding);
                }
                self.on_answer_fields(now, received.as_ref());
            }
            MessageType::Alerting => {
                if matches!(
                    self.state,
                    CallState::CallInitiated | CallState::OutgoingCallProceeding
                ) {
                    self.state = CallState::CallDelivered;
                    self.set_timer(now, Timer::T301);
                    self.events.push_back(Event::Alerting);
                }
                self.on_answer_fields(now, received.as_ref());
            }
            MessageType::Connect => {
                if matches!(
                    self.state,
                    CallState::CallInitiated
                        | CallState::OutgoingCallProceeding
                        | CallState::CallDelivered
                ) {
                    self.state = CallState::Active;
                    self.timer = None;
                    self.on_answer_fields(now, received.as_ref());
                    self.events.push_back(Event::Connected);
                    if !self.fast_start_settled {
                        // No fast connect answer by Connect: the offer is void (H.323 8.1.7.1),
                        // channels are opened through H.245 instead.
                        self.fast_start_settled = true;
                    }
                    if self.transport == H245Transport::Tunnelled {
                        self.h245.start(now);
                    }
                } else {
                    self.on_answer_fields(now, received.as_ref());
                }
            }
            MessageType::Progress
            | MessageType::Facility
            | MessageType::Information
            | MessageType::Notify => {
                self.on_answer_fields(now, received.as_ref());
            }
            MessageType::ReleaseComplete => {
                // The peer's ReleaseComplete ends the call, with its cause. The endSessionCommand
                // tunnelled in it must not start a release of our own, which would answer it with
                // a ReleaseComplete and report cause 16 instead of the peer's.
                self.state = CallState::Released;
                self.on_tunnelled(now, received.as_ref());
                let cause = msg
                    .cause()
                    .map(|c| c.value)
                    .unwrap_or(CauseValue::NormalCallClearing);
                let reason = received
                    .as_ref()
                    .and_then(|r| r.release_reason.as_ref())
                    .map(uu::release_reason_name);
                self.finish(Release {
                    cause,
                    reason,
                    by: Side::Remote,
                });
            }
            MessageType::StatusEnquiry => {
                self.send_status(CauseValue::ResponseToStatusEnquiry, self.reference())
            }
            MessageType::Status => {
                // Q.931 5.8.11: a peer that has no call any more releases ours.
                if msg.call_state() == Some(0) && self.state != CallState::Null {
                    self.release(
                        now,
                        CauseValue::MessageNotCompatibleWithCallState,
                        None,
                        Side::Local,
                    );
                }
            }
            _ => self.send_status(CauseValue::MessageTypeNonexistent, self.reference()),
        }
    }

    fn on_setup(&mut self, now: Instant, msg: &Message, received: Option<uu::Received>) {
        if self.is_caller || self.state != CallState::Null {
            self.send_status(
                CauseValue::MessageNotCompatibleWithCallState,
                self.reference(),
            );
            return;
        }
        let Some(r) = received.filter(|r| r.body == "setup") else {
            // H.225.0 7.3.1: a Setup must carry the setup UUIE.
            self.release(now, CauseValue::MandatoryIeMissing, None, Side::Local);
            return;
        };
        if let Some(c) = r.call_id {
            self.call_id = c;
        }
        if let Some(c) = r.conference_id {
            self.conference_id = c;
        }
        self.fast_start_offer = r.fast_start.clone();
        self.state = CallState::CallPresent;
        if !r.tunnelling {
            if let Some(addr) = r.h245_address {
                self.transport = H245Transport::Separate { connected: false };
                self.events.push_back(Event::ConnectH245(addr));
            }
        }
        self.events.push_back(Event::Incoming(IncomingCall {
            destination: r.destination.clone(),
            called_number: msg.called_party_number().map(|n| n.digits.clone()),
            source: r.source.clone(),
            calling_number: msg.calling_party_number().map(|n| n.digits.clone()),
            display: msg.display().map(str::to_owned).or(r.display.clone()),
            fast_start_offered: !r.fast_start.is_empty(),
            tunnelling_offered: r.tunnelling,
            from_mcu: r.source_is_mcu,
        }));
        self.on_tunnelled(now, Some(&r));
    }

    /// fastStart, h245Address and tunnelled H.245 in any message after Setup.
    fn on_answer_fields(&mut self, now: Instant, received: Option<&uu::Received>) {
        let Some(r) = received else { return };
        if self.is_caller && !self.fast_start_settled {
            if !r.fast_start.is_empty() {
                self.fast_start_settled = true;
                for ch in fast_start::accepted(&r.fast_start, &self.config.h245.media) {
                    self.h245.adopt_channel(ch.clone());
                    self.events
                        .push_back(Event::H245(H245Event::ChannelOpened(ch)));
                }
            } else if r.fast_connect_refused {
                self.fast_start_settled = true;
            }
        }
        if self.peer_tunnelling == Some(true)
            && self.config.tunnelling
            && self.transport == H245Transport::None
        {
            self.transport = H245Transport::Tunnelled;
        }
        if let Some(addr) = r.h245_address {
            if self.transport != H245Transport::Tunnelled
                && !matches!(self.transport, H245Transport::Separate { connected: true })
            {
                self.transport = H245Transport::Separate { connected: false };
                self.events.push_back(Event::ConnectH245(addr));
            }
        }
        self.on_tunnelled(now, Some(r));
    }

    fn on_tunnelled(&mut self, now: Instant, received: Option<&uu::Received>) {
        let Some(r) = received else { return };
        if r.h245_control.is_empty() {
            return;
        }
        if self.transport == H245Transport::None && self.config.tunnelling {
            self.transport = H245Transport::Tunnelled;
        }
        if self.transport != H245Transport::Tunnelled {
            return;
        }
        for pdu in &r.h245_control {
            self.handle_h245_pdu(now, pdu);
        }
    }

    fn fast_start_answer(&mut self, now: Instant) -> Vec<Vec<u8>> {
        if self.fast_start_settled || self.is_caller {
            return Vec::new();
        }
        self.fast_start_settled = true;
        if !self.config.fast_start || self.fast_start_offer.is_empty() {
            return Vec::new();
        }
        let (answers, channels) = fast_start::answer(
            &self.fast_start_offer,
            &self.config.h245.capabilities,
            &self.config.h245.media,
        );
        for ch in channels {
            self.h245.adopt_channel(ch.clone());
            self.events
                .push_back(Event::H245(H245Event::ChannelOpened(ch)));
        }
        let _ = now;
        answers
    }

    fn drain_h245_events(&mut self, now: Instant) {
        while let Some(e) = self.h245.poll_event() {
            match &e {
                H245Event::EndSession => {
                    self.events.push_back(Event::H245(e));
                    if self.state != CallState::Released {
                        // H.323 8.5: the side that receives endSessionCommand completes the release.
                        self.release(now, CauseValue::NormalCallClearing, None, Side::Remote);
                    }
                    return;
                }
                H245Event::ProcedureFailed { procedure, .. }
                    if matches!(
                        *procedure,
                        "terminalCapabilitySet" | "masterSlaveDetermination"
                    ) =>
                {
                    self.events.push_back(Event::H245(e));
                    if self.state != CallState::Released {
                        self.release(now, CauseValue::RecoveryOnTimerExpiry, None, Side::Local);
                    }
                    return;
                }
                _ => self.events.push_back(Event::H245(e)),
            }
        }
    }

    /// Moves what the H.245 session wants to send onto its transport.
    fn collect_h245(&mut self) {
        while let Some(pdu) = self.h245.poll_message() {
            if let Ok(b) = crate::h245::coding::encode(&pdu) {
                self.pending_tunnel.push(b);
            }
        }
    }

    fn flush_h245(&mut self, now: Instant) {
        self.drain_h245_events(now);
        if self.state == CallState::Released && !self.h245.ended() {
            return;
        }
        match self.transport {
            H245Transport::Tunnelled => {
                self.collect_h245();
                let can_send = if self.is_caller {
                    self.peer_tunnelling == Some(true)
                } else {
                    self.responded
                };
                if !self.pending_tunnel.is_empty() && can_send && self.state != CallState::Released
                {
                    // Nothing else to carry them: a Facility (H.225.0 v4+ uses the empty body).
                    let body = if self.peer_version >= 4 {
                        crate::h225::Body::Empty
                    } else {
                        uu::facility(self.call_id, FacilityReason::undefinedReason(()))
                    };
                    let msg = Message::new(MessageType::Facility, self.reference());
                    self.send_q931(msg, body, true);
                }
            }
            H245Transport::Separate { connected: true } => {
                while let Some(pdu) = self.h245.poll_message() {
                    if let Ok(per) = crate::h245::coding::encode(&pdu) {
                        let mut bytes = Vec::new();
                        if tpkt::encode(&per, &mut bytes).is_ok() {
                            self.transmits.push_back(Transmit {
                                channel: Channel::H245,
                                bytes,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
        self.drain_h245_events(now);
    }

    /// When [`Call::handle_timeout`] wants to run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.state == CallState::Released {
            return None;
        }
        [self.timer.map(|t| t.1), self.h245.poll_timeout()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Fires due timers: Q.931 T303/T310/T301 end the call with the Q.850 cause Q.931 gives for
    /// them; H.245 timers run the H.245 procedures' recovery.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some((t, at)) = self.timer {
            if now >= at {
                self.timer = None;
                let cause = match t {
                    // Q.931 5.1.1 / 5.1.6: no answer to Setup, or stuck after CallProceeding.
                    Timer::T303 | Timer::T310 => CauseValue::RecoveryOnTimerExpiry,
                    // Q.931 5.1.? : alerted but never answered.
                    Timer::T301 => CauseValue::NoAnswer,
                };
                self.release(now, cause, None, Side::Local);
                return;
            }
        }
        self.h245.handle_timeout(now);
        self.flush_h245(now);
    }

    /// The next bytes to write.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
}
