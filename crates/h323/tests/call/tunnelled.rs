//! H.245 tunnelled in H.225.0 without fast connect: TCS, MSD and OLCs travel in Connect and
//! Facility messages.

use h323::call::{EndpointKind, Event};
use h323::h245::session::{Direction, H245Event};

use super::pair::{config, opened, Pair};

#[test]
fn tunnelled_h245_opens_channels_after_connect() {
    let mut a = config(EndpointKind::Gateway, 40000);
    a.fast_start = false;
    let mut b = config(EndpointKind::Mcu, 50000);
    b.fast_start = false;
    let mut p = Pair::new(a, b);
    p.settle();
    assert!(!p.callee_incoming().unwrap().fast_start_offered);
    assert!(p.callee_incoming().unwrap().tunnelling_offered);
    p.callee.alert(p.now);
    p.settle();
    assert!(p.caller_events.contains(&Event::Alerting));
    p.callee.accept(p.now);
    p.settle();
    assert!(p.caller.tunnelled());
    let c = opened(&p.caller_events);
    let d = opened(&p.callee_events);
    assert_eq!(c.len(), 4, "{c:#?}");
    assert_eq!(d.len(), 4, "{d:#?}");
    // Every channel the caller transmits on is one the callee receives on, same number.
    for tx in c.iter().filter(|x| x.direction == Direction::Transmit) {
        assert!(d.iter().any(|rx| rx.direction == Direction::Receive
            && rx.number == tx.number
            && rx.codec == tx.codec
            && rx.rtp == tx.rtp));
    }
    assert!(p
        .caller_events
        .iter()
        .any(|e| matches!(e, Event::H245(H245Event::RemoteCapabilities(_)))));
}

#[test]
fn fast_update_and_user_input_reach_the_peer() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.accept(p.now);
    p.settle();
    let video_rx = opened(&p.caller_events)
        .into_iter()
        .find(|c| c.direction == Direction::Receive && c.codec.session_id() == 2)
        .unwrap();
    p.caller.request_fast_update(p.now, video_rx.number);
    p.caller.send_user_input(p.now, "5");
    p.settle();
    assert!(p
        .callee_events
        .contains(&Event::H245(H245Event::FastUpdateRequested {
            number: video_rx.number
        })));
    assert!(p
        .callee_events
        .contains(&Event::H245(H245Event::UserInput("5".into()))));
}

#[test]
fn the_mcus_terminal_number_reaches_the_caller() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.accept(p.now);
    p.callee.assign_terminal_number(p.now, 1, 7);
    p.settle();
    assert!(p
        .caller_events
        .contains(&Event::H245(H245Event::TerminalNumberAssigned {
            mcu: 1,
            terminal: 7
        })));
}
