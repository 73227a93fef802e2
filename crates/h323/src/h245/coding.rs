//! Aligned-PER coding of H.245 PDUs, through a small memo of the ones that recur octet for
//! octet from call to call.
//!
//! Every call exchanges a TerminalCapabilitySet that is the same for a given capability set
//! (each session numbers its first one 1), and acknowledgements and `endSessionCommand` that
//! are the same for every call. rasn's generic PER walk costs ~5–10 µs per message, which made
//! these repeats a measurable part of a call's CPU (issue 4). The memo keeps the last few such
//! PDUs with their octets, per thread and direction, and answers a repeat with a clone instead of a walk.
//!
//! Only [`recurs`] messages are admitted: a master/slave determination carries a random
//! number and a logical-channel message carries addresses, so caching them would only evict
//! the useful entries. A hit is exact: the same octets decode to the same value and the same
//! value encodes to the same octets (aligned PER as rasn produces it is canonical), so the
//! memo never changes what goes on the wire or what the session sees (`tests` check both
//! against the uncached codec).

use std::cell::RefCell;

use super::ring::Ring;

use h323_asn1::h245::{
    CommandMessage, MultimediaSystemControlMessage as Msg, RequestMessage, ResponseMessage,
};

/// Entries kept per thread; a call needs four or five, and a server talks to a few peer kinds.
const CAPACITY: usize = 16;

/// Larger PDUs are coded without the memo (a capability set with many entries is rare and the
/// comparison would cost more than it saves in memory).
const MAX_MEMO_OCTETS: usize = 1024;

/// Recent PDUs with their octets.
type Memo = Ring<(Vec<u8>, Msg), CAPACITY>;

thread_local! {
    // Two memos, so that each answer comes from the direction it was computed in: a decode hit
    // is rasn's own decoding of those octets, even where re-encoding a value would differ.
    static DECODED: RefCell<Memo> = const { RefCell::new(Ring::new()) };
    static ENCODED: RefCell<Memo> = const { RefCell::new(Ring::new()) };
}

/// Whether `msg` is one of the PDUs that recur unchanged between calls.
fn recurs(msg: &Msg) -> bool {
    matches!(
        msg,
        Msg::request(RequestMessage::terminalCapabilitySet(_))
            | Msg::response(
                ResponseMessage::terminalCapabilitySetAck(_)
                    | ResponseMessage::masterSlaveDeterminationAck(_)
                    | ResponseMessage::roundTripDelayResponse(_),
            )
            | Msg::command(CommandMessage::endSessionCommand(_))
    )
}

/// Decodes one H.245 PDU (rasn's aligned PER, as [`crate::per::decode`] without its error
/// detail: the call ignores an undecodable PDU).
pub fn decode(bytes: &[u8]) -> Result<Msg, rasn::error::DecodeError> {
    if bytes.len() <= MAX_MEMO_OCTETS {
        let hit = DECODED.with_borrow(|m| {
            m.entries
                .iter()
                .find(|(b, _)| b.as_slice() == bytes)
                .map(|(_, msg)| msg.clone())
        });
        if let Some(msg) = hit {
            return Ok(msg);
        }
    }
    let msg: Msg = rasn::aper::decode(bytes)?;
    if bytes.len() <= MAX_MEMO_OCTETS && recurs(&msg) {
        DECODED.with_borrow_mut(|m| m.insert((bytes.to_vec(), msg.clone())));
    }
    Ok(msg)
}

/// Encodes one H.245 PDU in aligned PER.
pub fn encode(msg: &Msg) -> Result<Vec<u8>, rasn::error::EncodeError> {
    let memo = recurs(msg);
    if memo {
        let hit = ENCODED.with_borrow(|m| {
            m.entries
                .iter()
                .find(|(_, cached)| cached == msg)
                .map(|(b, _)| b.clone())
        });
        if let Some(bytes) = hit {
            return Ok(bytes);
        }
    }
    let bytes = rasn::aper::encode(msg)?;
    if memo && bytes.len() <= MAX_MEMO_OCTETS {
        ENCODED.with_borrow_mut(|m| m.insert((bytes.clone(), msg.clone())));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h245::capabilities::MediaCapabilities;
    use crate::h245::messages as m;

    fn tcs(seq: u8) -> Msg {
        let caps = MediaCapabilities::cascade_default();
        Msg::request(RequestMessage::terminalCapabilitySet(caps.to_tcs(seq)))
    }

    #[test]
    fn repeats_code_as_the_uncached_codec_does() {
        for round in 0..3 {
            for msg in [tcs(1), tcs(2), m::tcs_ack(1), m::end_session()] {
                let plain = rasn::aper::encode(&msg).unwrap();
                assert_eq!(encode(&msg).unwrap(), plain, "round {round}: {msg:?}");
                assert_eq!(decode(&plain).unwrap(), msg, "round {round}");
            }
        }
    }

    #[test]
    fn a_different_value_is_not_answered_from_the_memo() {
        let one = encode(&tcs(1)).unwrap();
        let two = encode(&tcs(2)).unwrap();
        assert_ne!(one, two);
        assert_eq!(decode(&two).unwrap(), tcs(2));
        assert_eq!(decode(&one).unwrap(), tcs(1));
    }

    #[test]
    fn master_slave_determination_is_not_kept() {
        let msd = m::request_msd(h323_asn1::h245::MasterSlaveDetermination::new(
            50, 0x12_3456,
        ));
        let bytes = encode(&msd).unwrap();
        assert_eq!(decode(&bytes).unwrap(), msd);
        for memo in [&DECODED, &ENCODED] {
            memo.with_borrow(|memo| assert!(memo.entries.iter().all(|(_, v)| v != &msd)));
        }
    }

    #[test]
    fn undecodable_octets_fail_as_before_and_leave_the_memo_alone() {
        let before = DECODED.with_borrow(|m| m.entries.len());
        assert!(decode(&[0xff; 3]).is_err());
        assert_eq!(DECODED.with_borrow(|m| m.entries.len()), before);
    }

    #[test]
    fn the_memo_stays_bounded() {
        for seq in 0..=255u8 {
            let msg = tcs(seq);
            assert_eq!(decode(&encode(&msg).unwrap()).unwrap(), msg);
        }
        assert!(DECODED.with_borrow(|m| m.entries.len()) <= CAPACITY);
        assert!(ENCODED.with_borrow(|m| m.entries.len()) <= CAPACITY);
    }
}
