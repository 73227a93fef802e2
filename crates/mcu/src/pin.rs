//! Room PIN entry: after the MCU answered a call into a room that has a PIN, the caller keys it as
//! DTMF (H.245 UserInputIndication, alphanumeric or signal) and the call is admitted to the room
//! only if the keyed digits match; a wrong PIN or none within the timeout releases the call with
//! Q.850 cause 21 (call rejected).
//!
//! Entry ends at `#` or as soon as as many digits as the PIN has were keyed, the way conference
//! bridges prompt for a PIN; `*` starts the entry over (a caller who mistyped). Other keys are
//! ignored. Sans-IO, like the protocol core: the call task passes `now` in and sleeps until
//! [`PinEntry::deadline`].
//!
//! While the PIN is keyed the caller holds a place in the room, listed with state `awaiting_pin`
//! (so a caller cannot take the last place of a full room by never keying, and can be kicked);
//! it becomes `connected` only once the PIN matched.
//!
//! Until then the caller's media is held (its sockets bound but unread, nothing sent to it): it
//! hears and sees nothing of the room and is not mixed in.
//!
//! Admission after the PIN is made visible to the caller with H.245 `terminalNumberAssign` (the
//! label an MCU gives each terminal in its conference, H.245 / H.243); the cascade gateway waits
//! for it. Rooms without a PIN send nothing of this: their callers are in at Connect, as before.

use std::time::{Duration, Instant};

use h323_tokio::Command;
use service::release::CAUSE_CALL_REJECTED;
use tokio::sync::mpsc::UnboundedSender;

use crate::registry::Seat;

/// Default time a caller has to key the PIN (H.323 bridges commonly give 20 to 30 s).
pub const DEFAULT_PIN_TIMEOUT: Duration = Duration::from_secs(20);

/// This MCU's number in terminal labels (one MCU, no cascading of MCUs behind it).
pub const MCU_NUMBER: u8 = 1;

/// Keys kept before entry fails anyway (a PIN has at most 16 digits).
const MAX_KEYED: usize = 32;

/// Where the entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinVerdict {
    /// Still waiting for keys.
    Pending,
    /// The PIN matched: admit the caller.
    Accepted,
    /// Release the call with [`PinFailure::q850_cause`].
    Rejected(PinFailure),
}

/// Why the entry failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFailure {
    /// The keyed digits do not match.
    Wrong,
    /// Nothing (or not enough) keyed before the deadline.
    Timeout,
}

impl PinFailure {
    /// The cause of the ReleaseComplete: 21, call rejected, for both (a caller is not told
    /// whether the PIN was wrong or late).
    pub fn q850_cause(self) -> u8 {
        CAUSE_CALL_REJECTED
    }
}

/// One caller's PIN entry.
#[derive(Clone)]
pub struct PinEntry {
    expected: String,
    keyed: String,
    deadline: Instant,
    verdict: PinVerdict,
}

// By hand: neither the PIN nor what was keyed may reach logs through `{:?}`.
impl std::fmt::Debug for PinEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinEntry")
            .field("keyed", &self.keyed.len())
            .field("deadline", &self.deadline)
            .field("verdict", &self.verdict)
            .finish_non_exhaustive()
    }
}

impl PinEntry {
    /// Starts waiting at `now` for `expected`, for at most `timeout`.
    pub fn new(expected: &str, now: Instant, timeout: Duration) -> Self {
        Self {
            expected: expected.to_owned(),
            keyed: String::new(),
            deadline: now + timeout,
            verdict: PinVerdict::Pending,
        }
    }

    /// When the entry times out.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The verdict so far.
    pub fn verdict(&self) -> PinVerdict {
        self.verdict
    }

    /// Takes the text of one UserInputIndication (one key, or several for alphanumeric).
    pub fn input(&mut self, text: &str) -> PinVerdict {
        for key in text.chars() {
            if self.verdict != PinVerdict::Pending {
                break;
            }
            match key {
                '#' => self.decide(),
                '*' => self.keyed.clear(),
                d if d.is_ascii_digit() => {
                    self.keyed.push(d);
                    if self.keyed.len() == self.expected.len() || self.keyed.len() >= MAX_KEYED {
                        self.decide();
                    }
                }
                _ => {}
            }
        }
        self.verdict
    }

    /// Fails the entry if `now` is past the deadline.
    pub fn handle_timeout(&mut self, now: Instant) -> PinVerdict {
        if self.verdict == PinVerdict::Pending && now >= self.deadline {
            self.verdict = PinVerdict::Rejected(PinFailure::Timeout);
        }
        self.verdict
    }

    fn decide(&mut self) {
        self.verdict = if same(&self.keyed, &self.expected) {
            PinVerdict::Accepted
        } else {
            PinVerdict::Rejected(PinFailure::Wrong)
        };
    }
}

/// A call task's PIN gate: no PIN (admitted at once) or an entry in progress, with the timer
/// the call task sleeps on.
#[derive(Debug)]
pub struct PinGate(Option<PinEntry>);

/// What the call task does after a key or the timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateStep {
    /// Nothing yet.
    Wait,
    /// The PIN matched: the participant is in the room now.
    Admit,
    /// Release the call with this Q.850 cause.
    Release(u8),
}

impl PinGate {
    /// A gate for a room with `pin` (none: open), giving the caller `timeout` from now.
    pub fn new(pin: Option<&str>, timeout: Duration) -> Self {
        Self(pin.map(|p| PinEntry::new(p, Instant::now(), timeout)))
    }

    /// The room has no PIN or the caller keyed it.
    pub fn admitted(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|e| e.verdict() == PinVerdict::Accepted)
    }

    /// Takes the text of a UserInputIndication.
    pub fn input(&mut self, text: &str) -> GateStep {
        match &mut self.0 {
            Some(e) if e.verdict() == PinVerdict::Pending => step(e.input(text)),
            _ => GateStep::Wait,
        }
    }

    /// Resolves with [`GateStep::Release`] when the entry times out; pending forever when there
    /// is nothing to wait for (cancel-safe, for `select!`).
    pub async fn expired(&mut self) -> GateStep {
        match &mut self.0 {
            Some(e) if e.verdict() == PinVerdict::Pending => {
                tokio::time::sleep_until(e.deadline().into()).await;
                step(e.handle_timeout(Instant::now().max(e.deadline())))
            }
            _ => std::future::pending().await,
        }
    }
}

/// Puts a caller who keyed the right PIN in the room: listed `connected` with `codecs` (once
/// the call is connected; `None` before), and told its terminal number. The caller's media
/// joins the room's separately (`h323::CallMedia`).
pub fn admit(seat: &Seat, codecs: Option<&[&'static str]>, commands: &UnboundedSender<Command>) {
    if let Some(codecs) = codecs {
        seat.connected(codecs.iter().map(|s| s.to_string()).collect());
    }
    let _ = commands.send(Command::AssignTerminalNumber {
        mcu: MCU_NUMBER,
        terminal: terminal_number(seat.id()),
    });
}

/// A terminal number (1 to 192, H.245 `TerminalNumber`) for participant `id`; ids are unique
/// while the MCU runs, labels repeat only after 192 callers.
fn terminal_number(id: u64) -> u8 {
    (id.saturating_sub(1) % 192 + 1) as u8
}

fn step(v: PinVerdict) -> GateStep {
    match v {
        PinVerdict::Pending => GateStep::Wait,
        PinVerdict::Accepted => GateStep::Admit,
        PinVerdict::Rejected(f) => {
            tracing::info!(why = ?f, "PIN entry failed; releasing the call");
            GateStep::Release(f.q850_cause())
        }
    }
}

/// Compares without stopping at the first difference, so the time taken does not tell a
/// caller how many leading digits were right.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> (PinEntry, Instant) {
        let now = Instant::now();
        (PinEntry::new("4321", now, Duration::from_secs(20)), now)
    }

    #[test]
    fn digits_one_by_one_up_to_the_pins_length() {
        let (mut e, _) = entry();
        for d in ["4", "3", "2"] {
            assert_eq!(e.input(d), PinVerdict::Pending);
        }
        assert_eq!(e.input("1"), PinVerdict::Accepted);
        // Keys after the verdict change nothing.
        assert_eq!(e.input("9#"), PinVerdict::Accepted);
    }

    #[test]
    fn alphanumeric_string_with_hash() {
        let (mut e, _) = entry();
        assert_eq!(e.input("4321#"), PinVerdict::Accepted);
        let (mut e, _) = entry();
        assert_eq!(e.input("12#"), PinVerdict::Rejected(PinFailure::Wrong));
    }

    #[test]
    fn wrong_digits_fail_at_the_pins_length() {
        let (mut e, _) = entry();
        assert_eq!(e.input("432"), PinVerdict::Pending);
        assert_eq!(e.input("2"), PinVerdict::Rejected(PinFailure::Wrong));
        assert_eq!(PinFailure::Wrong.q850_cause(), 21);
    }

    #[test]
    fn star_starts_over_and_other_keys_are_ignored() {
        let (mut e, _) = entry();
        assert_eq!(e.input("43*"), PinVerdict::Pending);
        assert_eq!(e.input("A 4 3 2 1"), PinVerdict::Accepted);
    }

    #[test]
    fn nothing_keyed_times_out() {
        let (mut e, now) = entry();
        assert_eq!(
            e.handle_timeout(now + Duration::from_secs(19)),
            PinVerdict::Pending
        );
        assert_eq!(
            e.handle_timeout(e.deadline()),
            PinVerdict::Rejected(PinFailure::Timeout)
        );
        assert_eq!(e.input("4321"), PinVerdict::Rejected(PinFailure::Timeout));
    }

    #[test]
    fn terminal_numbers_stay_in_range() {
        assert_eq!(terminal_number(1), 1);
        assert_eq!(terminal_number(192), 192);
        assert_eq!(terminal_number(193), 1);
        assert_eq!(terminal_number(0), 1);
    }

    #[test]
    fn comparison() {
        assert!(same("0042", "0042"));
        assert!(!same("0042", "0043"));
        assert!(!same("004", "0042"));
        assert!(!same("", "1"));
    }
}
