//! Malformed input: the call answers as Q.931/H.323 say and keeps no half-open state.

use std::time::Instant;

use h323::call::{Call, CallState, Channel, EndpointKind};
use h323::q931::{Message, MessageType};

use super::pair::{config, released, Pair};

fn frames(call: &mut Call) -> Vec<Message> {
    let mut out = Vec::new();
    let mut d = h323::tpkt::Deframer::new();
    while let Some(t) = call.poll_transmit() {
        assert_eq!(t.channel, Channel::Signalling);
        d.push(&t.bytes);
    }
    while let Ok(Some(f)) = d.next_frame() {
        out.push(Message::decode(&f).unwrap());
    }
    out
}

#[test]
fn broken_tpkt_releases_with_protocol_error() {
    let mut callee = Call::incoming(Instant::now(), config(EndpointKind::Mcu, 50000), 1);
    callee.handle_input(
        Instant::now(),
        Channel::Signalling,
        &[0x07, 0x00, 0x00, 0x10, 1, 2, 3],
    );
    assert_eq!(callee.state(), CallState::Released);
    let sent = frames(&mut callee);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].message_type, MessageType::ReleaseComplete);
    assert_eq!(sent[0].cause().unwrap().value.code(), 111);
}

#[test]
fn setup_without_user_user_is_refused() {
    let mut callee = Call::incoming(Instant::now(), config(EndpointKind::Mcu, 50000), 1);
    let setup = Message::new(MessageType::Setup, h323::q931::CallReference::new(5, false)).encode();
    let mut b = Vec::new();
    h323::tpkt::encode(&setup, &mut b).unwrap();
    callee.handle_input(Instant::now(), Channel::Signalling, &b);
    assert_eq!(callee.state(), CallState::Released);
    let sent = frames(&mut callee);
    assert_eq!(sent[0].message_type, MessageType::ReleaseComplete);
    assert_eq!(sent[0].call_reference.value, 5);
    assert!(sent[0].call_reference.from_destination);
    assert_eq!(sent[0].cause().unwrap().value.code(), 96);
}

#[test]
fn garbage_user_user_in_active_call_gets_status_not_a_crash() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    p.settle();
    p.callee.accept(p.now);
    p.settle();
    // A Facility whose user-user content is not PER.
    let crv = frames_crv(&mut p);
    let msg = Message::new(
        MessageType::Facility,
        h323::q931::CallReference::new(crv, false),
    )
    .with(h323::q931::InformationElement::UserUser(
        h323::q931::UserUser::h225(vec![0xFF; 3]),
    ));
    let mut b = Vec::new();
    h323::tpkt::encode(&msg.encode(), &mut b).unwrap();
    p.callee.handle_input(p.now, Channel::Signalling, &b);
    let sent = frames(&mut p.callee);
    assert_eq!(sent[0].message_type, MessageType::Status);
    assert_eq!(sent[0].cause().unwrap().value.code(), 100);
    assert_eq!(sent[0].call_state(), Some(10));
    assert_eq!(p.callee.state(), CallState::Active);
    assert!(released(&p.callee_events).is_none());
}

fn frames_crv(p: &mut Pair) -> u16 {
    // Read the call reference off a Facility the caller sends (it carries tunnelled user input).
    p.caller.send_user_input(p.now, "1");
    frames(&mut p.caller)[0].call_reference.value
}
