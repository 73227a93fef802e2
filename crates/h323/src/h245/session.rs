//! One H.245 control session: capability exchange (CESE), master/slave determination (MSDSE),
//! unidirectional logical channels (LCSE), channel close requests, round-trip delay, end session,
//! and the commands and indications a conference needs (fast update, flow control, user input).
//! Requests it does not act on are answered: requestMode and maintenanceLoopRequest with their
//! rejects, any other with functionNotUnderstood.
//!
//! Sans-IO like the rest of the core: messages come in through [`H245Session::handle_message`],
//! go out through [`H245Session::poll_message`], and every deadline (T101, T103, T105, T106,
//! T108) is reported by [`H245Session::poll_timeout`]. Whether the PDUs travel tunnelled in H.225.0
//! or on their own TCP connection is the call's business, not this module's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use h323_asn1::h245::{
    CommandMessage, ConferenceIndication, DataType, FlowControlCommandRestriction,
    FlowControlCommandScope, FunctionNotUnderstood, IndicationMessage, MaintenanceLoopReject,
    MaintenanceLoopRejectCause, MaintenanceLoopRejectType, MaintenanceLoopRequestType,
    MiscellaneousCommandType, MultimediaSystemControlMessage as Msg, OpenLogicalChannel,
    OpenLogicalChannelRejectCause, RequestChannelCloseAck, RequestMessage, RequestModeReject,
    RequestModeRejectCause, ResponseMessage, UserInputIndication,
};

use super::capabilities::{Codec, MediaCapabilities};
use super::messages::{self as m, socket_address};
use super::msd::{Msd, MsdOutcome, MsdStatus};
use crate::rand::SplitMix64;

/// H.245 timer values. H.245 leaves them to the implementation; these match common practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct H245Timers {
    /// T101: waiting for terminalCapabilitySetAck/Reject.
    pub t101: Duration,
    /// T103: waiting for openLogicalChannelAck/Reject.
    pub t103: Duration,
    /// T105: waiting for roundTripDelayResponse.
    pub t105: Duration,
    /// T106: waiting for the master/slave determination answer.
    pub t106: Duration,
    /// T108: waiting for closeLogicalChannelAck.
    pub t108: Duration,
}

impl Default for H245Timers {
    fn default() -> Self {
        let s = Duration::from_secs(30);
        H245Timers {
            t101: s,
            t103: s,
            t105: Duration::from_secs(10),
            t106: s,
            t108: s,
        }
    }
}

/// Where we receive one media session: our RTP and RTCP addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaAddress {
    /// RTP.
    pub rtp: SocketAddr,
    /// RTCP.
    pub rtcp: SocketAddr,
}

/// Our receive addresses per RTP session. The I/O layer binds the sockets before the call
/// starts, so that every address we announce is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LocalMedia {
    /// Session 1.
    pub audio: Option<MediaAddress>,
    /// Session 2.
    pub video: Option<MediaAddress>,
}

impl LocalMedia {
    /// The addresses for a codec's session.
    pub fn for_codec(&self, codec: Codec) -> Option<MediaAddress> {
        match codec {
            Codec::Audio(_) => self.audio,
            Codec::Video(_) => self.video,
        }
    }
}

/// Configuration of one H.245 session.
#[derive(Debug, Clone)]
pub struct H245Config {
    /// H.323 terminal type for master/slave determination (see [`super::msd::terminal_type`]).
    pub terminal_type: u8,
    /// What we can receive.
    pub capabilities: MediaCapabilities,
    /// Where we receive.
    pub media: LocalMedia,
    /// Timer values.
    pub timers: H245Timers,
    /// Open our transmit channels once capabilities and roles are known.
    pub open_channels: bool,
}

/// Which way media flows on a logical channel, seen from us.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// We send.
    Transmit,
    /// The peer sends to us.
    Receive,
}

/// An open logical channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaChannel {
    /// forwardLogicalChannelNumber (numbered by whoever opened it).
    pub number: u16,
    /// Which way media flows.
    pub direction: Direction,
    /// The format.
    pub codec: Codec,
    /// Where RTP goes (transmit) or where we receive it (receive).
    pub rtp: Option<SocketAddr>,
    /// The peer's RTCP address, when it gave one.
    pub remote_rtcp: Option<SocketAddr>,
    /// The RTP payload type on it, as its OLC negotiated (see
    /// [`channel_payload_type`](super::messages::channel_payload_type)): what the sender
    /// must put in its packets and the receiver expects.
    pub payload_type: u8,
}

/// What the session reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum H245Event {
    /// The peer's capability set arrived (an empty one asks us to stop sending).
    RemoteCapabilities(MediaCapabilities),
    /// Master/slave determination finished.
    MasterSlave(MsdStatus),
    /// A logical channel is open.
    ChannelOpened(MediaChannel),
    /// A logical channel closed.
    ChannelClosed {
        /// Its number.
        number: u16,
        /// Its direction.
        direction: Direction,
    },
    /// The peer refused a channel we tried to open.
    ChannelRejected {
        /// Its number.
        number: u16,
        /// What we offered.
        codec: Codec,
    },
    /// The peer wants an intra picture on the channel we send video on.
    FastUpdateRequested {
        /// The channel the command named.
        number: u16,
    },
    /// The peer asked for a bit-rate limit (units of 100 bit/s; `None` lifts it).
    FlowControl {
        /// The channel, or `None` for the whole multiplex.
        number: Option<u16>,
        /// Limit.
        max_bit_rate: Option<u32>,
    },
    /// User input (DTMF or text).
    UserInput(String),
    /// The MCU gave us our label in its conference (`terminalNumberAssign`): we are in.
    TerminalNumberAssigned {
        /// The MCU's number.
        mcu: u8,
        /// Ours.
        terminal: u8,
    },
    /// A round-trip delay measurement finished.
    RoundTripDelay(Duration),
    /// The peer ended the H.245 session (endSessionCommand).
    EndSession,
    /// A procedure failed (timer expiry, rejection, protocol fault): the call decides whether
    /// that ends it.
    ProcedureFailed {
        /// The H.245 procedure, e.g. `terminalCapabilitySet`.
        procedure: &'static str,
        /// Why.
        reason: String,
    },
}

#[derive(Debug)]
struct PendingOpen {
    codec: Codec,
    deadline: Instant,
}

#[derive(Debug)]
struct OutgoingTcs {
    sequence: u8,
    deadline: Instant,
}

/// How many undecodable PDUs a session answers with `functionNotSupported`.
pub const SYNTAX_ERRORS_ANSWERED: u8 = 8;
/// The longest undecodable PDU quoted back in `returnedFunction`; a longer one is answered
/// without it.
pub const RETURNED_MAX: usize = 1024;

/// One H.245 control session.
#[derive(Debug)]
pub struct H245Session {
    config: H245Config,
    rng: SplitMix64,
    msd: Msd,
    tcs_sequence: u8,
    outgoing_tcs: Option<OutgoingTcs>,
    local_tcs_acked: bool,
    remote_caps: Option<MediaCapabilities>,
    next_channel: u16,
    pending_opens: BTreeMap<u16, PendingOpen>,
    pending_closes: BTreeMap<u16, Instant>,
    channels: BTreeMap<(Direction, u16), MediaChannel>,
    rtd: Option<(u8, Instant, Instant)>,
    rtd_sequence: u8,
    started: bool,
    ended: bool,
    /// Undecodable PDUs answered so far (see [`H245Session::handle_undecodable`]).
    syntax_errors: u8,
    out: Vec<Msg>,
    events: std::collections::VecDeque<H245Event>,
}

impl H245Session {
    /// A new session; `seed` feeds the status determination numbers (sans-IO: no RNG inside).
    pub fn new(config: H245Config, seed: u64) -> Self {
        let msd = Msd::new(config.terminal_type, config.timers.t106);
        H245Session {
            config,
            rng: SplitMix64::new(seed),
            msd,
            tcs_sequence: 0,
            outgoing_tcs: None,
            local_tcs_acked: false,
            remote_caps: None,
            next_channel: 1,
            pending_opens: BTreeMap::new(),
            pending_closes: BTreeMap::new(),
            channels: BTreeMap::new(),
            rtd: None,
            rtd_sequence: 0,
            started: false,
            ended: false,
            syntax_errors: 0,
            out: Vec::new(),
            events: Default::default(),
        }
    }

    /// Sends our capability set and starts master/slave determination (H.245 clause 8.1/8.2).
    pub fn start(&mut self, now: Instant) {
        if self.started || self.ended {
            return;
        }
        self.started = true;
        self.send_tcs(now);
        let r = self.rng.next_u32();
        self.msd.start(now, r, &mut self.out);
    }

    /// True once `start` ran.
    pub fn started(&self) -> bool {
        self.started
    }

    /// The master/slave result, once known.
    pub fn master_slave(&self) -> Option<MsdStatus> {
        self.msd.status()
    }

    /// The peer's receive capabilities, once known.
    pub fn remote_capabilities(&self) -> Option<&MediaCapabilities> {
        self.remote_caps.as_ref()
    }

    /// Open channels.
    pub fn channels(&self) -> impl Iterator<Item = &MediaChannel> {
        self.channels.values()
    }

    /// Registers a channel opened by fastStart, so that the session neither opens a second one
    /// for the same session nor forgets to close it.
    pub fn adopt_channel(&mut self, channel: MediaChannel) {
        if channel.direction == Direction::Transmit {
            self.next_channel = self.next_channel.max(channel.number.saturating_add(1));
        }
        self.channels
            .insert((channel.direction, channel.number), channel);
    }

    fn send_tcs(&mut self, now: Instant) {
        self.tcs_sequence = self.tcs_sequence.wrapping_add(1);
        let tcs = self.config.capabilities.to_tcs(self.tcs_sequence);
        self.out.push(m::tcs(tcs));
        self.local_tcs_acked = false;
        self.outgoing_tcs = Some(OutgoingTcs {
            sequence: self.tcs_sequence,
            deadline: now + self.config.timers.t101,
        });
    }

    /// Opens a channel on which we transmit `codec`; returns its number.
    pub fn open_channel(&mut self, now: Instant, codec: Codec) -> Option<u16> {
        let local = self.config.media.for_codec(codec)?;
        let number = self.next_channel;
        self.next_channel = self.next_channel.checked_add(1)?;
        self.out
            .push(m::olc(m::olc_transmit(number, codec, local.rtcp)));
        self.pending_opens.insert(
            number,
            PendingOpen {
                codec,
                deadline: now + self.config.timers.t103,
            },
        );
        Some(number)
    }

    /// Closes a channel we transmit on.
    pub fn close_channel(&mut self, now: Instant, number: u16) {
        if self.channels.contains_key(&(Direction::Transmit, number)) {
            self.out.push(m::close_channel(number));
            self.pending_closes
                .insert(number, now + self.config.timers.t108);
        }
    }

    /// Asks the peer for an intra picture on a video channel it sends us.
    pub fn request_fast_update(&mut self, number: u16) {
        self.out.push(m::video_fast_update(number));
    }

    /// Sends user input (DTMF digits or text).
    pub fn send_user_input(&mut self, text: &str) {
        self.out.push(m::user_input(text));
    }

    /// As an MCU, tells the terminal its label in the conference (`terminalNumberAssign`).
    pub fn assign_terminal_number(&mut self, mcu: u8, terminal: u8) {
        self.out.push(m::terminal_number_assign(mcu, terminal));
    }

    /// A PDU that does not decode. H.245's `functionNotSupported` "is used to return a complete
    /// request, response or command that is not recognized": it is answered with cause
    /// `syntaxError`, quoting the PDU (when it is at most [`RETURNED_MAX`] octets), so that the
    /// peer learns at once rather than when its timer runs out. Not answered: an indication
    /// (its first three bits say so: no extension, alternative 3), since none is answered and
    /// `functionNotSupported` is one itself; and anything past the first
    /// [`SYNTAX_ERRORS_ANSWERED`], so that a peer sending only garbage, or two stacks failing to
    /// decode each other, cannot keep a session talking.
    pub fn handle_undecodable(&mut self, pdu: &[u8]) {
        let Some(&first) = pdu.first() else {
            return;
        };
        if first >> 5 == 0b011 || self.ended || self.syntax_errors >= SYNTAX_ERRORS_ANSWERED {
            return;
        }
        self.syntax_errors += 1;
        let returned = (pdu.len() <= RETURNED_MAX).then(|| pdu.to_vec());
        self.out.push(m::syntax_error(returned));
    }

    /// Measures the round-trip delay (the answer comes as [`H245Event::RoundTripDelay`]).
    pub fn round_trip_delay(&mut self, now: Instant) {
        self.rtd_sequence = self.rtd_sequence.wrapping_add(1);
        self.out.push(m::rtd_request(self.rtd_sequence));
        self.rtd = Some((self.rtd_sequence, now, now + self.config.timers.t105));
    }

    /// Ends the session: sends endSessionCommand and stops every timer. Channels are not
    /// closed one by one first: H.323 §8.5 (phase E) says a terminal *should* close them before
    /// endSessionCommand, but the command ends every channel at the receiver anyway, and a
    /// round of closeLogicalChannel messages would only delay the hang-up.
    pub fn end_session(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.out.push(m::end_session());
        self.clear_timers();
    }

    /// True once either side ended the session.
    pub fn ended(&self) -> bool {
        self.ended
    }

    fn clear_timers(&mut self) {
        self.outgoing_tcs = None;
        self.pending_opens.clear();
        self.pending_closes.clear();
        self.rtd = None;
        // Drop a running T106 without a release: the session is over.
        let _ = self.msd.on_release();
    }

    /// The next PDU to send.
    pub fn poll_message(&mut self) -> Option<Msg> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.remove(0))
        }
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<H245Event> {
        self.events.pop_front()
    }

    /// The earliest deadline.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.outgoing_tcs.as_ref().map(|t| t.deadline),
            self.msd.deadline(),
            self.pending_opens.values().map(|p| p.deadline).min(),
            self.pending_closes.values().copied().min(),
            self.rtd.map(|r| r.2),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Fires the timers that are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(t) = &self.outgoing_tcs {
            if now >= t.deadline {
                self.outgoing_tcs = None;
                self.out.push(m::tcs_release());
                self.fail(
                    "terminalCapabilitySet",
                    "T101 expired without terminalCapabilitySetAck",
                );
            }
        }
        if let Some(MsdOutcome::Failed(why)) = self.msd.handle_timeout(now, &mut self.out) {
            self.fail("masterSlaveDetermination", why);
        }
        let expired: Vec<u16> = self
            .pending_opens
            .iter()
            .filter(|(_, p)| now >= p.deadline)
            .map(|(n, _)| *n)
            .collect();
        for n in expired {
            if let Some(p) = self.pending_opens.remove(&n) {
                // H.245 C.5: on T103 expiry close the channel we tried to open.
                self.out.push(m::close_channel(n));
                self.events.push_back(H245Event::ChannelRejected {
                    number: n,
                    codec: p.codec,
                });
                self.fail(
                    "openLogicalChannel",
                    "T103 expired without openLogicalChannelAck",
                );
            }
        }
        let expired: Vec<u16> = self
            .pending_closes
            .iter()
            .filter(|(_, d)| now >= **d)
            .map(|(n, _)| *n)
            .collect();
        for n in expired {
            self.pending_closes.remove(&n);
            self.drop_channel(Direction::Transmit, n);
        }
        if let Some((_, _, d)) = self.rtd {
            if now >= d {
                self.rtd = None;
                self.fail("roundTripDelayRequest", "T105 expired");
            }
        }
    }

    fn fail(&mut self, procedure: &'static str, reason: &str) {
        self.events.push_back(H245Event::ProcedureFailed {
            procedure,
            reason: reason.to_owned(),
        });
    }

    fn drop_channel(&mut self, direction: Direction, number: u16) {
        if self.channels.remove(&(direction, number)).is_some() {
            self.events
                .push_back(H245Event::ChannelClosed { number, direction });
        }
    }

    /// Handles one PDU from the peer.
    pub fn handle_message(&mut self, now: Instant, msg: Msg) {
        if self.ended {
            return;
        }
        match msg {
            Msg::request(r) => self.handle_request(now, r),
            Msg::response(r) => self.handle_response(now, r),
            Msg::command(c) => self.handle_command(now, c),
            Msg::indication(i) => self.handle_indication(i),
            _ => {}
        }
        self.maybe_open_channels(now);
    }

    fn handle_request(&mut self, now: Instant, r: RequestMessage) {
        match r {
            RequestMessage::terminalCapabilitySet(tcs) => {
                let caps = MediaCapabilities::from_tcs(&tcs);
                self.out.push(m::tcs_ack(tcs.sequence_number.0));
                if tcs.capability_table.is_none() {
                    // Third-party pause (H.323 8.4.6): stop sending and forget roles, the
                    // peer re-runs determination when it resumes.
                    let ours: Vec<u16> = self
                        .channels
                        .keys()
                        .filter(|(d, _)| *d == Direction::Transmit)
                        .map(|(_, n)| *n)
                        .collect();
                    for n in ours {
                        self.close_channel(now, n);
                    }
                    self.msd = Msd::new(self.config.terminal_type, self.config.timers.t106);
                }
                self.remote_caps = Some(caps.clone());
                self.events.push_back(H245Event::RemoteCapabilities(caps));
                if !self.started {
                    self.start(now);
                }
            }
            RequestMessage::masterSlaveDetermination(msd) => {
                let r = self.rng.next_u32();
                match self.msd.on_request(now, &msd, r, &mut self.out) {
                    Some(MsdOutcome::Determined(s)) => {
                        self.events.push_back(H245Event::MasterSlave(s))
                    }
                    Some(MsdOutcome::Failed(why)) => self.fail("masterSlaveDetermination", why),
                    None => {}
                }
            }
            RequestMessage::openLogicalChannel(olc) => self.handle_incoming_olc(olc),
            RequestMessage::closeLogicalChannel(clc) => {
                let n = clc.forward_logical_channel_number.0;
                self.out.push(m::close_channel_ack(n));
                self.drop_channel(Direction::Receive, n);
            }
            RequestMessage::requestChannelClose(rcc) => {
                let n = rcc.forward_logical_channel_number.0;
                self.out
                    .push(Msg::response(ResponseMessage::requestChannelCloseAck(
                        RequestChannelCloseAck::new(rcc.forward_logical_channel_number),
                    )));
                self.close_channel(now, n);
            }
            RequestMessage::roundTripDelayRequest(rtd) => {
                self.out.push(m::rtd_response(rtd.sequence_number.0))
            }
            RequestMessage::requestMode(rm) => {
                // The peer asks us to transmit in other modes. We send what the capability
                // exchange chose and do not switch (the MCU encodes a room once for all, the
                // gateway relays what the VN side sends), so the answer is the one H.245 has
                // for that: requestModeReject, modeUnavailable.
                self.out
                    .push(Msg::response(ResponseMessage::requestModeReject(
                        RequestModeReject::new(
                            rm.sequence_number,
                            RequestModeRejectCause::modeUnavailable(()),
                        ),
                    )));
            }
            RequestMessage::maintenanceLoopRequest(ml) => {
                // Loops are for H.320/H.324 line testing; H.245's answer for a loop a terminal
                // cannot perform is maintenanceLoopReject, canNotPerformLoop.
                let r_type = match ml.r_type {
                    MaintenanceLoopRequestType::systemLoop(()) => {
                        MaintenanceLoopRejectType::systemLoop(())
                    }
                    MaintenanceLoopRequestType::mediaLoop(n) => {
                        MaintenanceLoopRejectType::mediaLoop(n)
                    }
                    MaintenanceLoopRequestType::logicalChannelLoop(n) => {
                        MaintenanceLoopRejectType::logicalChannelLoop(n)
                    }
                    // The generated enum is open to extensions; no others are defined.
                    _ => return self.not_understood(RequestMessage::maintenanceLoopRequest(ml)),
                };
                self.out
                    .push(Msg::response(ResponseMessage::maintenanceLoopReject(
                        MaintenanceLoopReject::new(
                            r_type,
                            MaintenanceLoopRejectCause::canNotPerformLoop(()),
                        ),
                    )));
            }
            other => self.not_understood(other),
        }
    }

    /// Answers a request we do not implement, rather than ignoring it, so that the peer's
    /// timer need not run out: functionNotUnderstood "is used to return a request, response
    /// or command that is not understood" (the H.245 module's comment).
    fn not_understood(&mut self, request: RequestMessage) {
        self.out
            .push(Msg::indication(IndicationMessage::functionNotUnderstood(
                FunctionNotUnderstood::request(request),
            )));
    }

    fn handle_incoming_olc(&mut self, olc: OpenLogicalChannel) {
        let n = olc.forward_logical_channel_number.0;
        if olc.reverse_logical_channel_parameters.is_some() {
            // Bidirectional channels are for data (T.120); media is unidirectional in H.323.
            self.out.push(m::olc_reject(
                n,
                OpenLogicalChannelRejectCause::unsuitableReverseParameters(()),
            ));
            return;
        }
        let data_type = &olc.forward_logical_channel_parameters.data_type;
        let Some(codec) = Codec::from_data_type(data_type) else {
            let cause = if matches!(data_type, DataType::audioData(_) | DataType::videoData(_)) {
                OpenLogicalChannelRejectCause::dataTypeNotSupported(())
            } else {
                OpenLogicalChannelRejectCause::unknownDataType(())
            };
            self.out.push(m::olc_reject(n, cause));
            return;
        };
        let supported = match codec {
            Codec::Audio(a) => self.config.capabilities.audio.contains(&a),
            Codec::Video(v) => self
                .config
                .capabilities
                .video
                .iter()
                .any(|x| x.name() == v.name()),
        };
        let Some(local) = self.config.media.for_codec(codec).filter(|_| supported) else {
            self.out.push(m::olc_reject(
                n,
                OpenLogicalChannelRejectCause::dataTypeNotAvailable(()),
            ));
            return;
        };
        let params = m::olc_forward_h2250(&olc);
        let remote_rtcp = params
            .and_then(|p| p.media_control_channel.as_ref())
            .and_then(socket_address);
        let payload_type = m::channel_payload_type(codec, params);
        self.out
            .push(m::olc_ack(n, codec.session_id(), local.rtp, local.rtcp));
        let ch = MediaChannel {
            number: n,
            direction: Direction::Receive,
            codec,
            rtp: Some(local.rtp),
            remote_rtcp,
            payload_type,
        };
        self.channels.insert((Direction::Receive, n), ch.clone());
        self.events.push_back(H245Event::ChannelOpened(ch));
    }

    /// True when `sequence` answers the capability set we are waiting on (CESE: a stale
    /// answer to an earlier set is ignored).
    fn outgoing_is(&self, sequence: u8) -> bool {
        self.outgoing_tcs
            .as_ref()
            .is_some_and(|t| t.sequence == sequence)
    }

    fn handle_response(&mut self, now: Instant, r: ResponseMessage) {
        match r {
            ResponseMessage::terminalCapabilitySetAck(ack)
                if self.outgoing_is(ack.sequence_number.0) =>
            {
                self.outgoing_tcs = None;
                self.local_tcs_acked = true;
            }
            ResponseMessage::terminalCapabilitySetReject(rej)
                if self.outgoing_is(rej.sequence_number.0) =>
            {
                self.outgoing_tcs = None;
                self.fail(
                    "terminalCapabilitySet",
                    "peer sent terminalCapabilitySetReject",
                );
            }
            ResponseMessage::masterSlaveDeterminationAck(ack) => match self
                .msd
                .on_ack(&ack, &mut self.out)
            {
                Some(MsdOutcome::Determined(s)) => self.events.push_back(H245Event::MasterSlave(s)),
                Some(MsdOutcome::Failed(why)) => self.fail("masterSlaveDetermination", why),
                None => {}
            },
            ResponseMessage::masterSlaveDeterminationReject(_) => {
                let r = self.rng.next_u32();
                if let Some(MsdOutcome::Failed(why)) = self.msd.on_reject(now, r, &mut self.out) {
                    self.fail("masterSlaveDetermination", why);
                }
            }
            ResponseMessage::openLogicalChannelAck(ack) => {
                let n = ack.forward_logical_channel_number.0;
                if let Some(p) = self.pending_opens.remove(&n) {
                    let (rtp, rtcp) = m::ack_addresses(&ack);
                    // We opened it, with our own payload type.
                    let ch = MediaChannel {
                        number: n,
                        direction: Direction::Transmit,
                        codec: p.codec,
                        rtp,
                        remote_rtcp: rtcp,
                        payload_type: p.codec.payload_type(),
                    };
                    self.channels.insert((Direction::Transmit, n), ch.clone());
                    self.events.push_back(H245Event::ChannelOpened(ch));
                }
            }
            ResponseMessage::openLogicalChannelReject(rej) => {
                let n = rej.forward_logical_channel_number.0;
                if let Some(p) = self.pending_opens.remove(&n) {
                    self.events.push_back(H245Event::ChannelRejected {
                        number: n,
                        codec: p.codec,
                    });
                }
            }
            ResponseMessage::closeLogicalChannelAck(ack) => {
                let n = ack.forward_logical_channel_number.0;
                if self.pending_closes.remove(&n).is_some() {
                    self.drop_channel(Direction::Transmit, n);
                }
            }
            ResponseMessage::roundTripDelayResponse(r) => {
                if let Some((seq, sent, _)) = self.rtd {
                    if seq == r.sequence_number.0 {
                        self.rtd = None;
                        self.events.push_back(H245Event::RoundTripDelay(
                            now.saturating_duration_since(sent),
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    fn handle_command(&mut self, _now: Instant, c: CommandMessage) {
        match c {
            CommandMessage::endSessionCommand(_) => {
                if !self.ended {
                    // Answer with our own endSessionCommand (H.323 clause 8.5 step 3).
                    self.ended = true;
                    self.out.push(m::end_session());
                    self.clear_timers();
                }
                self.events.push_back(H245Event::EndSession);
            }
            CommandMessage::miscellaneousCommand(mc) => {
                if let MiscellaneousCommandType::videoFastUpdatePicture(()) = mc.r_type {
                    self.events.push_back(H245Event::FastUpdateRequested {
                        number: mc.logical_channel_number.0,
                    });
                }
            }
            CommandMessage::flowControlCommand(fc) => {
                let number = match fc.scope {
                    FlowControlCommandScope::logicalChannelNumber(n) => Some(n.0),
                    _ => None,
                };
                let max_bit_rate = match fc.restriction {
                    FlowControlCommandRestriction::maximumBitRate(r) => Some(r),
                    FlowControlCommandRestriction::noRestriction(()) => None,
                };
                self.events.push_back(H245Event::FlowControl {
                    number,
                    max_bit_rate,
                });
            }
            CommandMessage::sendTerminalCapabilitySet(_) => {
                let now = _now;
                self.send_tcs(now);
            }
            _ => {}
        }
    }

    fn handle_indication(&mut self, i: IndicationMessage) {
        match i {
            IndicationMessage::userInput(u) => {
                let text = match u {
                    UserInputIndication::alphanumeric(s) => {
                        Some(String::from_utf8_lossy(s.as_ref()).into_owned())
                    }
                    UserInputIndication::signal(s) => {
                        Some(String::from_utf8_lossy(s.signal_type.as_ref()).into_owned())
                    }
                    _ => None,
                };
                if let Some(t) = text {
                    self.events.push_back(H245Event::UserInput(t));
                }
            }
            IndicationMessage::conferenceIndication(
                ConferenceIndication::terminalNumberAssign(label),
            ) => {
                self.events.push_back(H245Event::TerminalNumberAssigned {
                    mcu: label.mcu_number.0,
                    terminal: label.terminal_number.0,
                });
            }
            IndicationMessage::masterSlaveDeterminationRelease(_) => {
                if let Some(MsdOutcome::Failed(why)) = self.msd.on_release() {
                    self.fail("masterSlaveDetermination", why);
                }
            }
            IndicationMessage::terminalCapabilitySetRelease(_) => {}
            _ => {}
        }
    }

    /// Once both capability sets are known and roles are settled, open one transmit channel
    /// per session we can both do (H.323 clause 8.3).
    fn maybe_open_channels(&mut self, now: Instant) {
        if !self.config.open_channels
            || self.ended
            || !self.local_tcs_acked
            || self.msd.status().is_none()
        {
            return;
        }
        let Some(peer) = self.remote_caps.clone() else {
            return;
        };
        let (audio, video) = self.config.capabilities.choose(&peer);
        let candidates = [audio.map(Codec::Audio), video.map(Codec::Video)];
        for codec in candidates.into_iter().flatten() {
            let session = codec.session_id();
            let busy =
                self.pending_opens
                    .values()
                    .any(|p| p.codec.session_id() == session)
                    || self.channels.values().any(|c| {
                        c.direction == Direction::Transmit && c.codec.session_id() == session
                    });
            if !busy {
                self.open_channel(now, codec);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use h323_asn1::h245::{
        CommunicationModeRequest, LogicalChannelNumber, MaintenanceLoopRequest, RequestMode,
        SequenceNumber,
    };

    #[test]
    fn requests_we_do_not_act_on_are_answered() {
        let now = Instant::now();
        let config = H245Config {
            terminal_type: 190,
            capabilities: MediaCapabilities::cascade_default(),
            media: LocalMedia::default(),
            timers: H245Timers::default(),
            open_channels: false,
        };
        let mut s = H245Session::new(config, 1);
        s.handle_message(
            now,
            // No modes (the ASN.1 wants one or more): the handler does not read them.
            Msg::request(RequestMessage::requestMode(RequestMode::new(
                SequenceNumber(7),
                Vec::new(),
            ))),
        );
        match s.poll_message() {
            Some(Msg::response(ResponseMessage::requestModeReject(r))) => {
                assert_eq!(r.sequence_number, SequenceNumber(7));
                assert_eq!(r.cause, RequestModeRejectCause::modeUnavailable(()));
            }
            other => panic!("expected requestModeReject, got {other:?}"),
        }
        s.handle_message(
            now,
            Msg::request(RequestMessage::maintenanceLoopRequest(
                MaintenanceLoopRequest::new(MaintenanceLoopRequestType::mediaLoop(
                    LogicalChannelNumber(3),
                )),
            )),
        );
        match s.poll_message() {
            Some(Msg::response(ResponseMessage::maintenanceLoopReject(r))) => {
                assert_eq!(
                    r.r_type,
                    MaintenanceLoopRejectType::mediaLoop(LogicalChannelNumber(3))
                );
                assert_eq!(r.cause, MaintenanceLoopRejectCause::canNotPerformLoop(()));
            }
            other => panic!("expected maintenanceLoopReject, got {other:?}"),
        }
        // A request with no procedure here at all comes back as functionNotUnderstood.
        s.handle_message(
            now,
            Msg::request(RequestMessage::communicationModeRequest(
                CommunicationModeRequest::new(),
            )),
        );
        assert!(matches!(
            s.poll_message(),
            Some(Msg::indication(IndicationMessage::functionNotUnderstood(
                FunctionNotUnderstood::request(RequestMessage::communicationModeRequest(_))
            )))
        ));
        assert!(s.poll_message().is_none());
    }
}
