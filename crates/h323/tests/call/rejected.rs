//! A refused call: the caller learns the Q.931 cause and the H.225.0 reason.

use h323::asn::h225::ReleaseCompleteReason;
use h323::call::{CallState, EndpointKind, Side};
use h323::q931::CauseValue;

use super::pair::{config, released, Pair};

#[test]
fn rejected_call_exposes_cause_and_reason() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.reject(
        p.now,
        CauseValue::UnallocatedNumber,
        Some(ReleaseCompleteReason::calledPartyNotRegistered(())),
    );
    p.settle();
    let r = released(&p.caller_events).expect("caller saw the release");
    assert_eq!(r.cause, CauseValue::UnallocatedNumber);
    assert_eq!(r.reason, Some("calledPartyNotRegistered"));
    assert_eq!(r.by, Side::Remote);
    assert_eq!(p.caller.state(), CallState::Released);
    assert_eq!(p.caller.poll_timeout(), None, "no timer left running");
    let r = released(&p.callee_events).unwrap();
    assert_eq!(r.by, Side::Local);
}

#[test]
fn busy_after_proceeding_stops_t310() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.proceed(p.now);
    p.settle();
    p.callee.reject(
        p.now,
        CauseValue::UserBusy,
        Some(ReleaseCompleteReason::inConf(())),
    );
    p.settle();
    let r = released(&p.caller_events).unwrap();
    assert_eq!((r.cause, r.reason), (CauseValue::UserBusy, Some("inConf")));
    assert_eq!(p.caller.poll_timeout(), None);
}
