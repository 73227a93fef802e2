//! H.245 on its own connection: the callee announces h245Address in Connect, the caller connects
//! to it, and the procedures run there.

use h323::call::{EndpointKind, Event};

use super::pair::{addr, config, opened, Pair};

/// A caller and a callee that neither tunnel nor start fast; the callee listens for H.245 at
/// 127.0.0.2:50100.
fn separate_pair() -> Pair {
    let mut a = config(EndpointKind::Gateway, 40000);
    a.tunnelling = false;
    a.fast_start = false;
    let mut b = config(EndpointKind::Mcu, 50000);
    b.tunnelling = false;
    b.fast_start = false;
    b.h245_listener = Some(addr("127.0.0.2:50100"));
    Pair::new(a, b)
}

#[test]
fn separate_h245_connection_is_requested_and_used() {
    let mut p = separate_pair();
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

/// The H.245 PDUs `call` sent on its separate H.245 connection.
fn h245_sent(call: &mut h323::call::Call) -> Vec<h323::asn::h245::MultimediaSystemControlMessage> {
    let mut d = h323::tpkt::Deframer::new();
    while let Some(t) = call.poll_transmit() {
        if t.channel == h323::call::Channel::H245 {
            d.push(&t.bytes);
        }
    }
    let mut out = Vec::new();
    while let Ok(Some(f)) = d.next_frame() {
        out.push(h323::per::decode(&f).expect("we send decodable H.245"));
    }
    out
}

#[test]
fn an_undecodable_h245_pdu_is_returned_with_function_not_supported() {
    use h323::asn::h245::{
        FunctionNotSupportedCause, IndicationMessage, MasterSlaveDetermination,
        MultimediaSystemControlMessage as Msg, RequestMessage,
    };
    use h323::call::{CallState, Channel};
    use h323::h245::session::SYNTAX_ERRORS_ANSWERED;

    let mut p = separate_pair();
    p.settle();
    p.callee.accept(p.now);
    p.settle();
    assert_eq!(opened(&p.callee_events).len(), 4);

    // A masterSlaveDetermination request cut short by one octet: a request that does not decode.
    let msd = Msg::request(RequestMessage::masterSlaveDetermination(
        MasterSlaveDetermination::new(190, 8_388_607),
    ));
    let mut broken = h323::per::encode(&msd).unwrap();
    broken.pop();
    assert!(h323::per::decode::<Msg>(&broken).is_err());
    let framed = |pdu: &[u8]| {
        let mut b = Vec::new();
        h323::tpkt::encode(pdu, &mut b).unwrap();
        b
    };
    p.callee
        .handle_input(p.now, Channel::H245, &framed(&broken));
    let sent = h245_sent(&mut p.callee);
    assert_eq!(sent.len(), 1, "{sent:?}");
    let Msg::indication(IndicationMessage::functionNotSupported(f)) = &sent[0] else {
        panic!("{:?}", sent[0]);
    };
    assert_eq!(f.cause, FunctionNotSupportedCause::syntaxError(()));
    assert_eq!(f.returned_function.as_deref(), Some(&broken[..]));
    assert_eq!(p.callee.state(), CallState::Active);

    // An indication that does not decode is not answered (0x7f: no extension, alternative 3).
    p.callee
        .handle_input(p.now, Channel::H245, &framed(&[0x7f, 0xff]));
    assert!(h245_sent(&mut p.callee).is_empty());

    // Garbage without end is answered a bounded number of times.
    for _ in 0..2 * SYNTAX_ERRORS_ANSWERED {
        p.callee
            .handle_input(p.now, Channel::H245, &framed(&broken));
    }
    assert_eq!(
        h245_sent(&mut p.callee).len(),
        usize::from(SYNTAX_ERRORS_ANSWERED) - 1
    );
    assert_eq!(p.callee.state(), CallState::Active);
}
