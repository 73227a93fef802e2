//! Q.931 timers with a simulated clock: T303 (no answer to Setup), T310 (stuck after
//! CallProceeding), T301 (alerted, never answered).

use std::time::Duration;

use h323::call::{CallState, EndpointKind, Side};
use h323::q931::CauseValue;

use super::pair::{config, released, Pair};

#[test]
fn unanswered_setup_expires_t303() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.callee_deaf = true;
    p.settle();
    let start = p.now;
    assert!(p.advance(Duration::from_secs(60)));
    assert_eq!(p.now - start, Duration::from_secs(4));
    let r = released(&p.caller_events).unwrap();
    assert_eq!(
        (r.cause, r.by),
        (CauseValue::RecoveryOnTimerExpiry, Side::Local)
    );
    assert_eq!(p.caller.state(), CallState::Released);
}

#[test]
fn proceeding_without_answer_expires_t310() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.proceed(p.now);
    p.settle();
    let start = p.now;
    assert!(p.advance(Duration::from_secs(60)));
    assert_eq!(p.now - start, Duration::from_secs(30));
    assert_eq!(
        released(&p.caller_events).unwrap().cause,
        CauseValue::RecoveryOnTimerExpiry
    );
    // The callee heard about it.
    assert_eq!(released(&p.callee_events).unwrap().by, Side::Remote);
}

#[test]
fn alerting_without_answer_expires_t301_with_no_answer() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.alert(p.now);
    p.settle();
    assert!(p.advance(Duration::from_secs(600)));
    assert_eq!(
        released(&p.caller_events).unwrap().cause,
        CauseValue::NoAnswer
    );
}
