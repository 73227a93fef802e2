//! Release from either side of an active call: endSessionCommand then ReleaseComplete.

use h323::call::{CallState, EndpointKind, Event, Side};
use h323::h245::session::H245Event;
use h323::q931::CauseValue;

use super::pair::{config, released, Pair};

fn active() -> Pair {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.accept(p.now);
    p.settle();
    assert_eq!(p.caller.state(), CallState::Active);
    p
}

#[test]
fn caller_hangs_up() {
    let mut p = active();
    p.caller.hangup(p.now, CauseValue::NormalCallClearing);
    p.settle();
    assert_eq!(p.caller.state(), CallState::Released);
    assert_eq!(p.callee.state(), CallState::Released);
    let r = released(&p.callee_events).unwrap();
    assert_eq!(r.cause, CauseValue::NormalCallClearing);
    assert_eq!(r.by, Side::Remote);
    assert!(p
        .callee_events
        .contains(&Event::H245(H245Event::EndSession)));
    assert_eq!(released(&p.caller_events).unwrap().by, Side::Local);
}

#[test]
fn callee_hangs_up() {
    let mut p = active();
    p.callee.hangup(p.now, CauseValue::NormalCallClearing);
    p.settle();
    let r = released(&p.caller_events).unwrap();
    assert_eq!(
        (r.cause, r.by),
        (CauseValue::NormalCallClearing, Side::Remote)
    );
    assert_eq!(p.caller.poll_timeout(), None);
    assert_eq!(p.callee.poll_timeout(), None);
}

#[test]
fn the_peers_cause_survives_the_tunnelled_end_session() {
    // An MCU refusing a caller after Connect (a wrong room PIN) sends cause 21 in a
    // ReleaseComplete that carries the tunnelled endSessionCommand.
    let mut p = active();
    p.callee.hangup(p.now, CauseValue::CallRejected);
    p.settle();
    let releases: Vec<_> = p
        .caller_events
        .iter()
        .filter(|e| matches!(e, Event::Released(_)))
        .collect();
    assert_eq!(releases.len(), 1, "{releases:?}");
    let r = released(&p.caller_events).unwrap();
    assert_eq!((r.cause, r.by), (CauseValue::CallRejected, Side::Remote));
    assert!(p
        .caller_events
        .contains(&Event::H245(H245Event::EndSession)));
    let callee_releases = p
        .callee_events
        .iter()
        .filter(|e| matches!(e, Event::Released(_)))
        .count();
    assert_eq!(callee_releases, 1);
}
