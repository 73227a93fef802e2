//! The one-line wire summaries the demo and `h323::wire` logs print.

use h323::call::{describe, Channel, EndpointKind};
use h323::q931::Message;

use super::pair::{config, Pair};

#[test]
fn a_setup_is_summarised_with_its_call_reference() {
    let mut p = Pair::new(
        config(EndpointKind::Gateway, 40000),
        config(EndpointKind::Mcu, 50000),
    );
    let t = p.caller.poll_transmit().expect("the Setup");
    let mut d = h323::tpkt::Deframer::new();
    d.push(&t.bytes);
    let frame = d.next_frame().unwrap().unwrap();
    let crv = Message::decode(&frame).unwrap().call_reference.value;
    let line = describe(Channel::Signalling, &frame);
    assert!(
        line.starts_with(&format!(
            "Setup (call {crv}) [setup, to dialledDigits:1234, fastStart "
        )),
        "{line}"
    );
    assert!(describe(Channel::Signalling, &[0x08, 0x02]).starts_with("malformed Q.931"));
    assert_eq!(describe(Channel::H245, &[0xff]), "H.245 undecodable H.245");
}
