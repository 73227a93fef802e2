//! Q.931 codec behaviour with octets written out from Q.931 clause 4 and H.225.0 clause 7: header
//! fields, typed IEs, canonical IE order, shifts, and errors that name the field and offset.

use h323::q931::{
    BearerCapability, CallReference, CallState, Cause, CauseValue, Ia5String, InformationElement,
    Layer1Protocol, Location, Message, MessageType, NumberingPlan, PartyNumber, Presentation,
    ProgressDescription, ProgressIndicator, Q931Error, RawIe, Screening, TransferCapability,
    TransferRate, TypeOfNumber, UserUser,
};

fn ie_bytes(ie: InformationElement) -> Vec<u8> {
    Message::new(MessageType::Status, CallReference::new(0, false))
        .with(ie)
        .encode()[5..]
        .to_vec()
}

#[test]
fn bearer_capabilities_for_h323() {
    assert_eq!(
        ie_bytes(InformationElement::BearerCapability(
            BearerCapability::h323_speech()
        )),
        [0x04, 0x03, 0x80, 0x90, 0xa5]
    );
    assert_eq!(
        ie_bytes(InformationElement::BearerCapability(
            BearerCapability::h323_unrestricted_digital()
        )),
        [0x04, 0x03, 0x88, 0x90, 0xa5]
    );
}

#[test]
fn bearer_capability_multirate_has_rate_multiplier_octet() {
    // Unrestricted digital, circuit, multirate × 6 (384 kbit/s), H.221.
    let bytes = [
        0x08, 0x02, 0x00, 0x01, 0x05, 0x04, 0x04, 0x88, 0x98, 0x86, 0xa5,
    ];
    let msg = Message::decode(&bytes).unwrap();
    let bc = msg.bearer_capability().unwrap();
    assert_eq!(
        bc.transfer_capability,
        TransferCapability::UnrestrictedDigital
    );
    assert_eq!(bc.transfer_rate, TransferRate::Multirate { multiplier: 6 });
    assert_eq!(bc.layer1, Some(Layer1Protocol::H221));
    assert_eq!(msg.encode(), bytes);
}

#[test]
fn release_complete_from_destination_with_cause() {
    let bytes = [0x08, 0x02, 0x80, 0x01, 0x5a, 0x08, 0x02, 0x80, 0x90];
    let msg = Message::decode(&bytes).unwrap();
    assert_eq!(
        msg.call_reference,
        CallReference {
            value: 1,
            from_destination: true
        }
    );
    assert_eq!(msg.message_type, MessageType::ReleaseComplete);
    assert_eq!(
        msg.cause(),
        Some(&Cause::new(CauseValue::NormalCallClearing))
    );
    let built = Message::new(
        MessageType::ReleaseComplete,
        CallReference::new(1, false).reply(),
    )
    .with(InformationElement::Cause(Cause::new(
        CauseValue::NormalCallClearing,
    )));
    assert_eq!(built.encode(), bytes);
}

#[test]
fn cause_octet_3a_and_diagnostics() {
    // Octet 3 with extension bit 0 announces octet 3a (recommendation); it is skipped.
    let msg = Message::decode(&[8, 2, 0, 1, 0x5a, 0x08, 0x04, 0x02, 0x80, 0xe0, 0x04]).unwrap();
    let cause = msg.cause().unwrap();
    assert_eq!(cause.location, Location::PublicLocal);
    assert_eq!(cause.value, CauseValue::MandatoryIeMissing);
    assert_eq!(cause.diagnostics, [0x04]);
}

#[test]
fn cause_value_names() {
    assert_eq!(
        CauseValue::NormalCallClearing.to_string(),
        "16 (normal call clearing)"
    );
    assert_eq!(CauseValue::from_code(17), CauseValue::UserBusy);
    assert_eq!(
        CauseValue::from_code(81).name(),
        "invalid call reference value"
    );
    assert_eq!(CauseValue::from_code(126), CauseValue::Other(126));
    for code in 0..128u8 {
        let value = CauseValue::from_code(code);
        assert_eq!(value.code(), code);
        assert!(value.to_string().starts_with(&format!("{code} (")));
    }
    let named = (0..128u8).filter(|c| !matches!(CauseValue::from_code(*c), CauseValue::Other(_)));
    assert_eq!(named.count(), 50);
}

#[test]
fn party_numbers() {
    let calling = PartyNumber {
        type_of_number: TypeOfNumber::National,
        numbering_plan: NumberingPlan::E164,
        presentation: Some((Presentation::Allowed, Screening::UserVerifiedPassed)),
        digits: "8003".into(),
    };
    assert_eq!(
        ie_bytes(InformationElement::CallingPartyNumber(calling)),
        [0x6c, 0x06, 0x21, 0x81, b'8', b'0', b'0', b'3']
    );
    assert_eq!(
        ie_bytes(InformationElement::CalledPartyNumber(PartyNumber::new(
            "1234"
        ))),
        [0x70, 0x05, 0x81, b'1', b'2', b'3', b'4']
    );
}

#[test]
fn setup_accessors_and_canonical_order() {
    let setup = Message::new(MessageType::Setup, CallReference::new(0x1234, false))
        .with(InformationElement::UserUser(UserUser::h225(vec![
            0x20, 0xa8,
        ])))
        .with(InformationElement::Display(Ia5String::new("cascade")))
        .with(InformationElement::CalledPartyNumber(PartyNumber::new(
            "98001",
        )))
        .with(InformationElement::CallingPartyNumber(PartyNumber::new(
            "8003",
        )))
        .with(InformationElement::BearerCapability(
            BearerCapability::h323_speech(),
        ))
        .with(InformationElement::Keypad(Ia5String::new("5")))
        .with(InformationElement::SingleOctet(0xa1));
    let ids: Vec<u8> = setup
        .ies
        .iter()
        .map(InformationElement::identifier)
        .collect();
    assert_eq!(ids, [0xa1, 0x04, 0x28, 0x2c, 0x6c, 0x70, 0x7e]);
    let bytes = setup.encode();
    assert_eq!(&bytes[..5], &[0x08, 0x02, 0x12, 0x34, 0x05]);
    // User-user: identifier, 2-octet length, discriminator 0x05, PER bytes.
    assert_eq!(
        &bytes[bytes.len() - 6..],
        &[0x7e, 0x00, 0x03, 0x05, 0x20, 0xa8]
    );
    let msg = Message::decode(&bytes).unwrap();
    assert_eq!(msg, setup);
    assert_eq!(msg.display(), Some("cascade"));
    assert_eq!(msg.keypad(), Some("5"));
    assert_eq!(msg.called_party_number().unwrap().digits, "98001");
    assert_eq!(msg.calling_party_number().unwrap().digits, "8003");
    assert_eq!(msg.user_user(), Some(&[0x20, 0xa8][..]));
    assert_eq!(
        msg.bearer_capability(),
        Some(&BearerCapability::h323_speech())
    );
    assert_eq!(msg.cause(), None);
}

#[test]
fn status_call_state_and_progress() {
    let msg = Message::new(MessageType::Status, CallReference::new(7, true))
        .with(InformationElement::CallState(CallState::new(10)))
        .with(InformationElement::Cause(Cause::new(
            CauseValue::ResponseToStatusEnquiry,
        )))
        .with(InformationElement::ProgressIndicator(
            ProgressIndicator::new(ProgressDescription::InbandAvailable),
        ));
    let bytes = msg.encode();
    assert_eq!(
        &bytes[5..],
        &[0x08, 0x02, 0x80, 0x9e, 0x14, 0x01, 0x0a, 0x1e, 0x02, 0x80, 0x88]
    );
    let back = Message::decode(&bytes).unwrap();
    assert_eq!(back.call_state(), Some(10));
    assert_eq!(
        back.progress_indicator().unwrap().description,
        ProgressDescription::InbandAvailable
    );
}

#[test]
fn out_of_order_and_unknown_ies_are_kept() {
    // User-user before Display, an unknown IE 0x4c (connected number), sending complete last.
    let bytes = [
        0x08, 0x02, 0x00, 0x05, 0x07, 0x7e, 0x00, 0x02, 0x05, 0x00, 0x4c, 0x02, 0x81, 0x31, 0x28,
        0x01, 0x41, 0xa1,
    ];
    let msg = Message::decode(&bytes).unwrap();
    assert_eq!(msg.display(), Some("A"));
    assert_eq!(
        msg.ies[1],
        InformationElement::Raw(RawIe {
            codeset: 0,
            identifier: 0x4c,
            contents: vec![0x81, 0x31]
        })
    );
    assert_eq!(msg.ies[3], InformationElement::SingleOctet(0xa1));
    assert_eq!(msg.encode(), bytes);
}

#[test]
fn shifts_select_codesets() {
    // Non-locking shift to codeset 6 covers one IE; locking shift to 5 covers the rest, where
    // 0x7e is not User-user and has a 1-octet length.
    let bytes = [
        0x08, 0x02, 0x00, 0x05, 0x62, 0x9e, 0x28, 0x01, 0x41, 0x28, 0x01, 0x42, 0x95, 0x7e, 0x01,
        0x00,
    ];
    let msg = Message::decode(&bytes).unwrap();
    assert_eq!(
        msg.ies[1],
        InformationElement::Raw(RawIe {
            codeset: 6,
            identifier: 0x28,
            contents: vec![0x41]
        })
    );
    assert_eq!(msg.display(), Some("B"));
    assert_eq!(
        msg.ies[4],
        InformationElement::Raw(RawIe {
            codeset: 5,
            identifier: 0x7e,
            contents: vec![0]
        })
    );
    assert_eq!(msg.user_user(), None);
    assert_eq!(msg.encode(), bytes);
}

#[test]
fn malformed_known_ie_is_kept_raw() {
    // A Cause with only octet 3: the message decodes, cause() says None, ie() finds it.
    let bytes = [0x08, 0x02, 0x00, 0x05, 0x5a, 0x08, 0x01, 0x80];
    let msg = Message::decode(&bytes).unwrap();
    assert_eq!(msg.cause(), None);
    assert!(matches!(msg.ie(0x08), Some(InformationElement::Raw(_))));
    assert_eq!(msg.encode(), bytes);
}

#[test]
fn display_with_c_terminator() {
    let msg = Message::decode(&[8, 2, 0, 1, 5, 0x28, 0x03, b'm', b'j', 0]).unwrap();
    assert_eq!(msg.display(), Some("mj"));
    assert_eq!(msg.encode(), [8, 2, 0, 1, 5, 0x28, 0x03, b'm', b'j', 0]);
}

#[test]
fn unknown_message_type() {
    let msg = Message::decode(&[8, 2, 0x80, 6, 0x20]).unwrap();
    assert_eq!(msg.message_type, MessageType::Unknown(0x20));
    assert_eq!(msg.encode(), [8, 2, 0x80, 6, 0x20]);
}

#[test]
fn header_errors_name_field_and_offset() {
    assert_eq!(
        Message::decode(&[]),
        Err(Q931Error::Truncated {
            field: "protocol discriminator",
            offset: 0
        })
    );
    assert_eq!(
        Message::decode(&[0x03, 0x00, 0x00]),
        Err(Q931Error::ProtocolDiscriminator {
            value: 0x03,
            offset: 0
        })
    );
    assert_eq!(
        Message::decode(&[0x08, 0x01, 0x05, 0x05]),
        Err(Q931Error::CallReferenceLength {
            length: 1,
            offset: 1
        })
    );
    assert_eq!(
        Message::decode(&[0x08, 0x02, 0x00]),
        Err(Q931Error::Truncated {
            field: "call reference value",
            offset: 3
        })
    );
    assert_eq!(
        Message::decode(&[0x08, 0x02, 0x00, 0x01]),
        Err(Q931Error::Truncated {
            field: "message type",
            offset: 4
        })
    );
}

#[test]
fn ie_errors_name_ie_and_offset() {
    let err = Message::decode(&[
        8, 2, 0, 1, 5, 0x04, 0x03, 0x80, 0x90, 0xa5, 0x28, 0x05, 0x41,
    ])
    .unwrap_err();
    assert_eq!(
        err,
        Q931Error::IeLength {
            ie: 0x28,
            name: "display",
            offset: 10,
            length: 5,
            available: 1
        }
    );
    assert_eq!(err.cause(), CauseValue::InvalidIeContents);
    assert!(
        err.to_string().contains("display IE (0x28) at offset 10"),
        "{err}"
    );
    assert_eq!(
        Message::decode(&[8, 2, 0, 1, 5, 0x70]),
        Err(Q931Error::IeTruncated {
            ie: 0x70,
            name: "called party number",
            offset: 5
        })
    );
    // User-user needs two length octets.
    assert_eq!(
        Message::decode(&[8, 2, 0, 1, 5, 0x7e, 0x00]),
        Err(Q931Error::IeTruncated {
            ie: 0x7e,
            name: "user-user",
            offset: 5
        })
    );
    assert_eq!(
        Message::decode(&[8, 2, 0, 1, 5, 0x7e, 0x01, 0x00, 0x05]),
        Err(Q931Error::IeLength {
            ie: 0x7e,
            name: "user-user",
            offset: 5,
            length: 256,
            available: 1
        })
    );
}

#[test]
fn over_long_contents() {
    let msg = Message::new(MessageType::Setup, CallReference::new(1, false)).with(
        InformationElement::Display(Ia5String::new(&"x".repeat(300))),
    );
    assert_eq!(
        msg.try_encode(),
        Err(Q931Error::IeTooLong {
            ie: 0x28,
            name: "display",
            length: 300,
            max: 255
        })
    );
    let cut = Message::decode(&msg.encode()).unwrap();
    assert_eq!(cut.display().map(str::len), Some(255));
    let big_uu = Message::new(MessageType::Setup, CallReference::new(1, false)).with(
        InformationElement::UserUser(UserUser::h225(vec![0; 60_000])),
    );
    assert_eq!(big_uu.try_encode().unwrap().len(), 5 + 3 + 60_001);
}
