//! H.245 on its own connection: the callee announces h245Address in Connect, the caller connects
//! to it, and the procedures run there.

use h323::call::{EndpointKind, Event};

use super::pair::{addr, config, opened, Pair};

#[test]
fn separate_h245_connection_is_requested_and_used() {
    let mut a = config(EndpointKind::Gateway, 40000);
    a.tunnelling = false;
    a.fast_start = false;
    let mut b = config(EndpointKind::Mcu, 50000);
    b.tunnelling = false;
    b.fast_start = false;
    b.h245_listener = Some(addr("127.0.0.2:50100"));
    let mut p = Pair::new(a, b);
    p.settle();
    assert!(!p.callee_incoming().unwrap().tunnelling_offered);
    p.callee.accept(p.now);
    p.settle();
    assert!(p
        .caller_events
        .contains(&Event::ConnectH245(addr("127.0.0.2:50100"))));
    assert!(!p.caller.tunnelled());
    assert_eq!(opened(&p.caller_events).len(), 4);
    assert_eq!(opened(&p.callee_events).len(), 4);
}

#[test]
fn tunnelling_refused_by_callee_uses_its_h245_address() {
    // The caller offers tunnelling, the callee (like the 2003 reference capture) does not.
    let a = config(EndpointKind::Gateway, 40000);
    let mut b = config(EndpointKind::Mcu, 50000);
    b.tunnelling = false;
    b.fast_start = false;
    b.h245_listener = Some(addr("127.0.0.2:50100"));
    let mut p = Pair::new(a, b);
    p.settle();
    p.callee.accept(p.now);
    p.settle();
    assert!(!p.caller.tunnelled());
    assert!(p
        .caller_events
        .contains(&Event::ConnectH245(addr("127.0.0.2:50100"))));
    assert_eq!(opened(&p.caller_events).len(), 4);
}
