//! Master/slave determination (H.245 clause 8.2 and annex C.2, the MSDSE).
//!
//! Both terminals send `masterSlaveDetermination` with their terminal type and a random 24-bit
//! status determination number. The larger terminal type wins; on equal types the numbers decide
//! by the modulo-2^24 difference, and equal or opposite numbers are "indeterminate", answered by
//! `masterSlaveDeterminationReject(identicalNumbers)` and retried with a fresh number up to N100
//! times. T106 bounds each wait. This module is the pure decision plus the signalling entity; the
//! H.245 session feeds it messages and sends what it returns.

use std::time::{Duration, Instant};

use h323_asn1::h245::{
    MasterSlaveDetermination, MasterSlaveDeterminationAck, MasterSlaveDeterminationAckDecision,
    MasterSlaveDeterminationReject, MasterSlaveDeterminationRejectCause,
    MasterSlaveDeterminationRelease, MultimediaSystemControlMessage as Msg,
};

use super::messages;

/// The outcome for the local terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsdStatus {
    /// We are master: we resolve channel conflicts and our numbering wins.
    Master,
    /// The peer is master.
    Slave,
}

/// Terminal types of H.323 table 1 (H.323 clause 6.2.8.4) for entities without an MC.
pub mod terminal_type {
    /// A terminal.
    pub const TERMINAL: u8 = 50;
    /// A gateway.
    pub const GATEWAY: u8 = 60;
    /// An MCU with MC and MP: wins against terminals and gateways.
    pub const MCU: u8 = 190;
}

/// How many times an indeterminate result is retried (H.245 N100).
pub const N100: u32 = 3;

/// The pure H.245 C.2 decision: `None` means indeterminate.
pub fn determine(
    local_type: u8,
    local_number: u32,
    remote_type: u8,
    remote_number: u32,
) -> Option<MsdStatus> {
    if local_type != remote_type {
        return Some(if local_type > remote_type {
            MsdStatus::Master
        } else {
            MsdStatus::Slave
        });
    }
    let diff = remote_number.wrapping_sub(local_number) & 0x00FF_FFFF;
    match diff {
        0 | 0x0080_0000 => None,
        d if d < 0x0080_0000 => Some(MsdStatus::Master),
        _ => Some(MsdStatus::Slave),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    OutgoingAwaitingResponse,
    IncomingAwaitingResponse,
}

/// What the MSDSE tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MsdOutcome {
    /// Determination finished.
    Determined(MsdStatus),
    /// Determination failed: indeterminate N100 times, T106 expiry, or a protocol error.
    Failed(&'static str),
}

/// The master/slave determination signalling entity.
#[derive(Debug)]
pub struct Msd {
    terminal_type: u8,
    number: u32,
    state: State,
    retries: u32,
    status: Option<MsdStatus>,
    deadline: Option<Instant>,
    t106: Duration,
}

impl Msd {
    /// A fresh entity for a terminal of `terminal_type`.
    pub fn new(terminal_type: u8, t106: Duration) -> Self {
        Msd {
            terminal_type,
            number: 0,
            state: State::Idle,
            retries: 0,
            status: None,
            deadline: None,
            t106,
        }
    }

    /// The result, once determined.
    pub fn status(&self) -> Option<MsdStatus> {
        self.status
    }

    /// True while a determination is in progress.
    pub fn busy(&self) -> bool {
        self.state != State::Idle
    }

    /// When T106 expires.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Starts determination (our `masterSlaveDetermination` request). `random` supplies the
    /// 24-bit status determination number.
    pub fn start(&mut self, now: Instant, random: u32, out: &mut Vec<Msg>) {
        if self.state != State::Idle {
            return;
        }
        self.send_request(now, random, out);
    }

    fn send_request(&mut self, now: Instant, random: u32, out: &mut Vec<Msg>) {
        self.number = random & 0x00FF_FFFF;
        self.state = State::OutgoingAwaitingResponse;
        self.deadline = Some(now + self.t106);
        out.push(messages::request_msd(MasterSlaveDetermination::new(
            self.terminal_type,
            self.number,
        )));
    }

    /// Handles the peer's `masterSlaveDetermination`.
    pub fn on_request(
        &mut self,
        now: Instant,
        msd: &MasterSlaveDetermination,
        random: u32,
        out: &mut Vec<Msg>,
    ) -> Option<MsdOutcome> {
        if self.state == State::Idle {
            // We had not started: pick our number now so the comparison is meaningful.
            self.number = random & 0x00FF_FFFF;
        }
        if self.state == State::IncomingAwaitingResponse {
            // A second request while we wait for the ack: H.245 C.2 treats it as a fault.
            self.reset();
            out.push(messages::indication_msd_release(
                MasterSlaveDeterminationRelease::new(),
            ));
            return Some(MsdOutcome::Failed(
                "masterSlaveDetermination received while awaiting its ack",
            ));
        }
        match determine(
            self.terminal_type,
            self.number,
            msd.terminal_type,
            msd.status_determination_number,
        ) {
            Some(status) => {
                self.status = Some(status);
                self.state = State::IncomingAwaitingResponse;
                self.deadline = Some(now + self.t106);
                out.push(messages::response_msd_ack(ack_for_peer(status)));
                None
            }
            None if self.state == State::OutgoingAwaitingResponse => {
                self.retries += 1;
                if self.retries >= N100 {
                    self.reset();
                    return Some(MsdOutcome::Failed("indeterminate after N100 retries"));
                }
                self.send_request(now, random.rotate_left(7) ^ 0x5A_5A5A, out);
                None
            }
            None => {
                out.push(messages::response_msd_reject(
                    MasterSlaveDeterminationReject::new(
                        MasterSlaveDeterminationRejectCause::identicalNumbers(()),
                    ),
                ));
                None
            }
        }
    }

    /// Handles the peer's `masterSlaveDeterminationAck`.
    pub fn on_ack(
        &mut self,
        ack: &MasterSlaveDeterminationAck,
        out: &mut Vec<Msg>,
    ) -> Option<MsdOutcome> {
        // The decision in an ack names the status of the terminal that receives it.
        let told = match ack.decision {
            MasterSlaveDeterminationAckDecision::master(()) => MsdStatus::Master,
            MasterSlaveDeterminationAckDecision::slave(()) => MsdStatus::Slave,
        };
        match self.state {
            State::OutgoingAwaitingResponse => {
                self.finish(told);
                out.push(messages::response_msd_ack(ack_for_peer(told)));
                Some(MsdOutcome::Determined(told))
            }
            State::IncomingAwaitingResponse => {
                if Some(told) == self.status {
                    self.finish(told);
                    Some(MsdOutcome::Determined(told))
                } else {
                    self.reset();
                    out.push(messages::indication_msd_release(
                        MasterSlaveDeterminationRelease::new(),
                    ));
                    Some(MsdOutcome::Failed(
                        "peer's masterSlaveDeterminationAck contradicts ours",
                    ))
                }
            }
            // A late or duplicate ack after we finished: nothing to do (C.2 "ignore").
            State::Idle => None,
        }
    }

    /// Handles `masterSlaveDeterminationReject` (identical numbers): retry with a new number.
    pub fn on_reject(
        &mut self,
        now: Instant,
        random: u32,
        out: &mut Vec<Msg>,
    ) -> Option<MsdOutcome> {
        if self.state != State::OutgoingAwaitingResponse {
            return None;
        }
        self.retries += 1;
        if self.retries >= N100 {
            self.reset();
            return Some(MsdOutcome::Failed(
                "masterSlaveDeterminationReject N100 times",
            ));
        }
        self.send_request(now, random, out);
        None
    }

    /// Handles `masterSlaveDeterminationRelease`: the peer gave up.
    pub fn on_release(&mut self) -> Option<MsdOutcome> {
        if self.state == State::Idle {
            return None;
        }
        self.reset();
        Some(MsdOutcome::Failed(
            "peer sent masterSlaveDeterminationRelease",
        ))
    }

    /// T106 expiry.
    pub fn handle_timeout(&mut self, now: Instant, out: &mut Vec<Msg>) -> Option<MsdOutcome> {
        match self.deadline {
            Some(d) if now >= d => {
                self.reset();
                out.push(messages::indication_msd_release(
                    MasterSlaveDeterminationRelease::new(),
                ));
                Some(MsdOutcome::Failed("T106 expired"))
            }
            _ => None,
        }
    }

    fn finish(&mut self, status: MsdStatus) {
        self.status = Some(status);
        self.state = State::Idle;
        self.deadline = None;
        self.retries = 0;
    }

    fn reset(&mut self) {
        self.state = State::Idle;
        self.deadline = None;
        self.retries = 0;
    }
}

fn ack_for_peer(local: MsdStatus) -> MasterSlaveDeterminationAck {
    MasterSlaveDeterminationAck::new(match local {
        MsdStatus::Master => MasterSlaveDeterminationAckDecision::slave(()),
        MsdStatus::Slave => MasterSlaveDeterminationAckDecision::master(()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use h323_asn1::h245::{RequestMessage, ResponseMessage};

    #[test]
    fn larger_terminal_type_is_master() {
        assert_eq!(determine(190, 5, 50, 9), Some(MsdStatus::Master));
        assert_eq!(determine(50, 5, 190, 9), Some(MsdStatus::Slave));
    }

    #[test]
    fn equal_types_compare_numbers_modulo_2_24() {
        // remote - local small and positive: local is master (H.245 C.2.1.3).
        assert_eq!(determine(50, 10, 50, 20), Some(MsdStatus::Master));
        assert_eq!(determine(50, 20, 50, 10), Some(MsdStatus::Slave));
        // wrap-around
        assert_eq!(determine(50, 0xFF_FFF0, 50, 0x10), Some(MsdStatus::Master));
        assert_eq!(determine(50, 7, 50, 7), None);
        assert_eq!(determine(50, 0, 50, 0x80_0000), None);
    }

    #[test]
    fn decisions_are_complementary() {
        for (a, b) in [
            (1u32, 2u32),
            (0xABCDEF, 0x123456),
            (0, 0x7F_FFFF),
            (5, 0xFF_FFFF),
        ] {
            let x = determine(50, a, 50, b);
            let y = determine(50, b, 50, a);
            assert!(x.is_some());
            assert_ne!(x, y);
        }
    }

    fn pump(from: &mut Vec<Msg>) -> Vec<Msg> {
        std::mem::take(from)
    }

    #[test]
    fn simultaneous_requests_resolve_to_opposite_roles() {
        let now = Instant::now();
        let t = Duration::from_secs(30);
        let (mut a, mut b) = (Msd::new(50, t), Msd::new(50, t));
        let (mut oa, mut ob) = (Vec::new(), Vec::new());
        a.start(now, 100, &mut oa);
        b.start(now, 200, &mut ob);
        let mut results = (None, None);
        for _ in 0..6 {
            for m in pump(&mut oa) {
                if let Some(r) = deliver(&mut b, now, m, 300, &mut ob) {
                    results.1 = Some(r);
                }
            }
            for m in pump(&mut ob) {
                if let Some(r) = deliver(&mut a, now, m, 400, &mut oa) {
                    results.0 = Some(r);
                }
            }
        }
        assert_eq!(results.0, Some(MsdOutcome::Determined(MsdStatus::Master)));
        assert_eq!(results.1, Some(MsdOutcome::Determined(MsdStatus::Slave)));
    }

    fn deliver(
        m: &mut Msd,
        now: Instant,
        msg: Msg,
        rnd: u32,
        out: &mut Vec<Msg>,
    ) -> Option<MsdOutcome> {
        match msg {
            Msg::request(RequestMessage::masterSlaveDetermination(r)) => {
                m.on_request(now, &r, rnd, out)
            }
            Msg::response(ResponseMessage::masterSlaveDeterminationAck(a)) => m.on_ack(&a, out),
            Msg::response(ResponseMessage::masterSlaveDeterminationReject(_)) => {
                m.on_reject(now, rnd, out)
            }
            _ => None,
        }
    }

    #[test]
    fn t106_expiry_fails_and_sends_release() {
        let now = Instant::now();
        let mut m = Msd::new(50, Duration::from_secs(5));
        let mut out = Vec::new();
        m.start(now, 1, &mut out);
        out.clear();
        assert_eq!(
            m.handle_timeout(now + Duration::from_secs(4), &mut out),
            None
        );
        assert!(matches!(
            m.handle_timeout(now + Duration::from_secs(5), &mut out),
            Some(MsdOutcome::Failed(_))
        ));
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn identical_numbers_are_retried_then_given_up() {
        let now = Instant::now();
        let mut m = Msd::new(50, Duration::from_secs(5));
        let mut out = Vec::new();
        m.start(now, 1, &mut out);
        for i in 0..N100 - 1 {
            assert_eq!(m.on_reject(now, 10 + i, &mut out), None);
        }
        assert!(matches!(
            m.on_reject(now, 99, &mut out),
            Some(MsdOutcome::Failed(_))
        ));
    }
}
