//! H.225.0 call signalling (H323-UserInformation) against the asn1tools oracle:
//! every body our builders make is decoded by asn1tools with the fields we set
//! and re-encoded to our octets; values encoded by asn1tools decode in our code
//! and re-encode to asn1tools' octets; every H323-UserInformation in the real
//! captures decodes in both, with identical re-encodings; messages from a newer
//! peer (unknown extension additions and alternatives) decode.

mod oracle;

use h323::asn::h225::{FacilityReason, ReleaseCompleteReason};
use h323::h225::{build, Alias, Body, CallId, ConferenceId, EndpointKind, UserInfo};
use oracle::{added_defaults, at, captured, hex, oracle, Oracle};
use serde_json::{json, Value};

const UI: &str = "H323-UserInformation";
const CALL: CallId = CallId([0x11; 16]);
const CONF: ConferenceId = ConferenceId([
    0x80, 0x4f, 0xc4, 0x28, 0xe4, 0x12, 0x81, 0x54, 0x06, 0x00, 0x06, 0x01, 0xc0, 0xa8, 0xb6, 0x82,
]);

fn olc_like(n: u8) -> Vec<u8> {
    // fastStart elements are opaque OCTET STRINGs at this layer.
    vec![0x40, 0x01, n, 0x00, 0x0c, 0x60, 0x01, 0x00]
}

/// Encodes `ui`, has asn1tools decode it, checks asn1tools re-encodes to the
/// same octets, and returns asn1tools' value of the H323-UU-PDU.
fn through_oracle(o: &mut Oracle, ui: &UserInfo) -> Value {
    let ours = ui.encode().expect("our encoder");
    let d = o.decode(UI, &ours).unwrap_or_else(|e| {
        panic!(
            "asn1tools rejects our {}: {e}\n{}",
            ui.body_name(),
            hex(&ours)
        )
    });
    assert_eq!(
        d.reencoded.as_deref().map(hex),
        Some(hex(&ours)),
        "asn1tools re-encodes our {} differently",
        ui.body_name()
    );
    d.value["h323-uu-pdu"].clone()
}

fn every_body() -> Vec<Body> {
    let mut setup = build::Setup::new(CALL, CONF);
    setup.destination_aliases = vec![Alias::DialedDigits("1234".into())];
    let mut facility = build::Facility::start_h245(CALL, "192.0.2.1:30000".parse().unwrap());
    facility.conference_id = Some(CONF);
    vec![
        setup.build().unwrap(),
        build::CallProceeding::new(CALL).build(),
        build::Alerting::new(CALL).build().unwrap(),
        build::Connect::new(CALL, CONF).build().unwrap(),
        build::ReleaseComplete::new(CALL, Some(ReleaseCompleteReason::destinationRejection(())))
            .build()
            .unwrap(),
        facility.build().unwrap(),
        build::Progress::new(CALL).build(),
        build::Information::new(CALL).build(),
        build::Notify::new(CALL).build().unwrap(),
        Body::Empty,
    ]
}

#[test]
fn every_body_is_decoded_by_asn1tools_and_reencoded_identically() {
    let Some(mut o) = oracle() else { return };
    for body in every_body() {
        let name = body.name();
        let ui = UserInfo::new(body).with_h245_tunnelling(true);
        let pdu = through_oracle(&mut o, &ui);
        let b = &pdu["h323-message-body"];
        assert_eq!(b["choice"], json!(name));
        assert_eq!(pdu["h245Tunnelling"], json!(true));
        if name != "empty" {
            assert_eq!(
                b["value"]["protocolIdentifier"],
                json!("0.0.8.2250.0.6"),
                "{name}"
            );
            assert_eq!(
                b["value"]["callIdentifier"]["guid"],
                json!(hex(&CALL.0)),
                "{name}"
            );
        }
        // And our own decoder reads back what we built.
        let back = UserInfo::decode(&ui.encode().unwrap()).unwrap();
        assert_eq!(back, ui, "{name}");
        assert_eq!(back.body_name(), name);
    }
}

#[test]
fn setup_fields_reach_asn1tools() {
    let Some(mut o) = oracle() else { return };
    let mut s = build::Setup::new(CALL, CONF);
    s.conference_goal = build::ConferenceGoal::Join;
    s.source_info = build::EndpointInfo::new(EndpointKind::Gateway);
    s.destination_aliases = vec![
        Alias::DialedDigits("801234".into()),
        Alias::H323Id("Konferenz Zürich".into()),
        Alias::Url("h323:1234@192.0.2.10".into()),
        Alias::TransportId("192.0.2.10:1720".parse().unwrap()),
    ];
    s.source_aliases = vec![
        Alias::H323Id("cascade".into()),
        Alias::TransportId("[2001:db8::5]:1720".parse().unwrap()),
        Alias::Email("ops@example.org".into()),
    ];
    s.dest_call_signal_address = Some("192.0.2.10:1720".parse().unwrap());
    s.source_call_signal_address = Some("198.51.100.7:1720".parse().unwrap());
    s.h245_address = Some("198.51.100.7:40000".parse().unwrap());
    s.active_mc = true;
    s.media_wait_for_connect = true;
    s.fast_start = vec![olc_like(1), olc_like(2)];
    s.display_name = Some("VN conference 7".into());
    let ui = UserInfo::new(s.build().unwrap())
        .with_h245_tunnelling(true)
        .with_h245_control(vec![vec![0x02, 0x70, 0x01], vec![0x20, 0x80]]);
    let pdu = through_oracle(&mut o, &ui);
    let v = at(&pdu, &["h323-message-body", "setup"]);
    assert_eq!(
        v["destinationAddress"],
        json!([
            {"choice": "dialledDigits", "value": "801234"},
            {"choice": "h323-ID", "value": "Konferenz Zürich"},
            {"choice": "url-ID", "value": "h323:1234@192.0.2.10"},
            {"choice": "transportID", "value": {"choice": "ipAddress", "value": {"ip": "c000020a", "port": 1720}}},
        ])
    );
    assert_eq!(
        v["sourceAddress"],
        json!([
            {"choice": "h323-ID", "value": "cascade"},
            {"choice": "transportID", "value": {"choice": "ip6Address", "value": {"ip": "20010db8000000000000000000000005", "port": 1720}}},
            {"choice": "email-ID", "value": "ops@example.org"},
        ])
    );
    assert_eq!(
        v["destCallSignalAddress"],
        json!({"choice": "ipAddress", "value": {"ip": "c000020a", "port": 1720}})
    );
    assert_eq!(
        v["sourceCallSignalAddress"],
        json!({"choice": "ipAddress", "value": {"ip": "c6336407", "port": 1720}})
    );
    assert_eq!(
        v["h245Address"],
        json!({"choice": "ipAddress", "value": {"ip": "c6336407", "port": 40000}})
    );
    assert_eq!(v["conferenceID"], json!(hex(&CONF.0)));
    assert_eq!(
        v["conferenceGoal"],
        json!({"choice": "join", "value": null})
    );
    assert_eq!(
        v["callType"],
        json!({"choice": "pointToPoint", "value": null})
    );
    assert_eq!(v["activeMC"], json!(true));
    assert_eq!(v["mediaWaitForConnect"], json!(true));
    assert_eq!(
        v["fastStart"],
        json!([hex(&olc_like(1)), hex(&olc_like(2))])
    );
    assert_eq!(v["displayName"], json!([{"name": "VN conference 7"}]));
    assert!(
        v["sourceInfo"].get("gateway").is_some(),
        "{}",
        v["sourceInfo"]
    );
    assert_eq!(
        v["sourceInfo"]["vendor"]["productId"],
        json!(hex(b"cascade"))
    );
    for mandatory in ["canOverlapSend", "multipleCalls", "maintainConnection"] {
        assert_eq!(v[mandatory], json!(false), "{mandatory}");
    }
    assert_eq!(pdu["h245Control"], json!(["027001", "2080"]));

    // The typed view reads the same fields.
    let back = UserInfo::decode(&ui.encode().unwrap()).unwrap();
    assert_eq!(back.destination_aliases(), s.destination_aliases);
    assert_eq!(back.source_aliases(), s.source_aliases);
    assert_eq!(back.h245_address(), s.h245_address);
    assert_eq!(back.dest_call_signal_address(), s.dest_call_signal_address);
    assert_eq!(
        back.source_call_signal_address(),
        s.source_call_signal_address
    );
    assert_eq!(back.conference_id(), Some(CONF));
    assert_eq!(back.call_identifier(), Some(CALL));
    assert_eq!(back.display_name().as_deref(), Some("VN conference 7"));
    assert_eq!(back.fast_start().len(), 2);
    assert_eq!(back.fast_start()[1].as_ref(), olc_like(2).as_slice());
    assert_eq!(back.h245_control().len(), 2);
    assert!(back.active_mc() && back.media_wait_for_connect());
}

#[test]
fn answers_carry_h245_address_fast_start_and_reasons() {
    let Some(mut o) = oracle() else { return };
    let h245: std::net::SocketAddr = "192.0.2.10:1300".parse().unwrap();

    let mut c = build::Connect::new(CALL, CONF);
    c.h245_address = Some(h245);
    c.fast_start = vec![olc_like(9)];
    c.destination_info = build::EndpointInfo::new(EndpointKind::Mcu);
    c.display_name = Some("MCU".into());
    let pdu = through_oracle(&mut o, &UserInfo::new(c.build().unwrap()));
    let v = at(&pdu, &["h323-message-body", "connect"]);
    assert_eq!(
        v["h245Address"],
        json!({"choice": "ipAddress", "value": {"ip": "c000020a", "port": 1300}})
    );
    assert_eq!(v["fastStart"], json!([hex(&olc_like(9))]));
    assert_eq!(v["conferenceID"], json!(hex(&CONF.0)));
    assert_eq!(v["destinationInfo"]["mc"], json!(true));
    assert!(v["destinationInfo"].get("mcu").is_some());

    let mut cp = build::CallProceeding::new(CALL);
    cp.fast_connect_refused = true;
    let pdu = through_oracle(
        &mut o,
        &UserInfo::new(cp.build()).with_h245_tunnelling(true),
    );
    let v = at(&pdu, &["h323-message-body", "callProceeding"]);
    assert_eq!(v["fastConnectRefused"], json!(null));
    // The harness's corrected decoder still sees the additions after the NULL.
    assert_eq!(pdu["h245Tunnelling"], json!(true));

    for (reason, name) in [
        (
            ReleaseCompleteReason::destinationRejection(()),
            "destinationRejection",
        ),
        (
            ReleaseCompleteReason::unreachableDestination(()),
            "unreachableDestination",
        ),
        (ReleaseCompleteReason::adaptiveBusy(()), "adaptiveBusy"),
        (
            ReleaseCompleteReason::undefinedReason(()),
            "undefinedReason",
        ),
        (ReleaseCompleteReason::securityDenied(()), "securityDenied"),
        (
            ReleaseCompleteReason::hopCountExceeded(()),
            "hopCountExceeded",
        ),
    ] {
        let rc = build::ReleaseComplete::new(CALL, Some(reason.clone()));
        let ui = UserInfo::new(rc.build().unwrap());
        let pdu = through_oracle(&mut o, &ui);
        let v = at(&pdu, &["h323-message-body", "releaseComplete"]);
        assert_eq!(v["reason"], json!({"choice": name, "value": null}));
        let back = UserInfo::decode(&ui.encode().unwrap()).unwrap();
        assert_eq!(back.release_reason(), Some(&reason));
        assert_eq!(h323::h225::release_reason_name(&reason), name);
    }

    for (reason, name) in [
        (FacilityReason::startH245(()), "startH245"),
        (FacilityReason::undefinedReason(()), "undefinedReason"),
        (FacilityReason::forwardedElements(()), "forwardedElements"),
        (
            FacilityReason::transportedInformation(()),
            "transportedInformation",
        ),
        (FacilityReason::callForwarded(()), "callForwarded"),
    ] {
        let mut f = build::Facility::new(CALL, reason.clone());
        f.h245_address = Some(h245);
        f.alternative_aliases = vec![Alias::DialedDigits("99".into())];
        let ui = UserInfo::new(f.build().unwrap());
        let pdu = through_oracle(&mut o, &ui);
        let v = at(&pdu, &["h323-message-body", "facility"]);
        assert_eq!(v["reason"], json!({"choice": name, "value": null}));
        assert_eq!(
            v["alternativeAliasAddress"],
            json!([{"choice": "dialledDigits", "value": "99"}])
        );
        let back = UserInfo::decode(&ui.encode().unwrap()).unwrap();
        assert_eq!(back.facility_reason(), Some(&reason));
        assert_eq!(back.h245_address(), Some(h245));
    }
}

#[test]
fn empty_body_with_tunnelled_h245() {
    let Some(mut o) = oracle() else { return };
    let tcs = vec![0x02, 0x70, 0x01, 0x06, 0x00, 0x08, 0x81, 0x75, 0x00, 0x01];
    let ui = UserInfo::new(Body::Empty)
        .with_h245_tunnelling(true)
        .with_h245_control(vec![tcs.clone()]);
    let pdu = through_oracle(&mut o, &ui);
    assert_eq!(
        pdu["h323-message-body"],
        json!({"choice": "empty", "value": null})
    );
    assert_eq!(pdu["h245Control"], json!([hex(&tcs)]));
}

/// A Setup written as asn1tools JSON (independently of our encoder).
fn setup_json() -> Value {
    json!({"h323-uu-pdu": {
        "h323-message-body": {"choice": "setup", "value": {
            "protocolIdentifier": "0.0.8.2250.0.4",
            "sourceAddress": [{"choice": "h323-ID", "value": "m.jemec"}],
            "sourceInfo": {"terminal": {}, "mc": false, "undefinedNode": false},
            "destinationAddress": [{"choice": "dialledDigits", "value": "5551234"},
                                   {"choice": "url-ID", "value": "h323:bob@example.org"}],
            "destCallSignalAddress": {"choice": "ipAddress", "value": {"ip": "0a010612", "port": 1720}},
            "activeMC": false,
            "conferenceID": hex(&CONF.0),
            "conferenceGoal": {"choice": "invite", "value": null},
            "callType": {"choice": "pointToPoint", "value": null},
            "callIdentifier": {"guid": hex(&CALL.0)},
            "fastStart": ["0001", "0002ff"],
            "mediaWaitForConnect": false,
            "canOverlapSend": false,
            "multipleCalls": false,
            "maintainConnection": true,
            "displayName": [{"name": "Bob"}]
        }},
        "h245Tunnelling": false,
        "h245Control": ["218001"]
    }})
}

#[test]
fn values_encoded_by_asn1tools_decode_in_ours() {
    let Some(mut o) = oracle() else { return };
    let bytes = o
        .encode(UI, &setup_json())
        .expect("asn1tools encodes the Setup");
    let ui = UserInfo::decode(&bytes).expect("we decode asn1tools' Setup");
    assert_eq!(ui.body_name(), "setup");
    assert_eq!(
        ui.destination_aliases(),
        vec![
            Alias::DialedDigits("5551234".into()),
            Alias::Url("h323:bob@example.org".into())
        ]
    );
    assert_eq!(ui.source_aliases(), vec![Alias::H323Id("m.jemec".into())]);
    assert_eq!(
        ui.dest_call_signal_address(),
        Some("10.1.6.18:1720".parse().unwrap())
    );
    assert_eq!(ui.conference_id(), Some(CONF));
    assert_eq!(ui.call_identifier(), Some(CALL));
    assert_eq!(ui.fast_start().len(), 2);
    assert_eq!(ui.fast_start()[1].as_ref(), &[0x00, 0x02, 0xff]);
    assert_eq!(ui.h245_control()[0].as_ref(), &[0x21, 0x80, 0x01]);
    assert!(!ui.h245_tunnelling());
    assert_eq!(ui.display_name().as_deref(), Some("Bob"));
    assert_eq!(
        ui.conference_goal()
            .and_then(build::ConferenceGoal::from_asn),
        Some(build::ConferenceGoal::Invite)
    );
    assert_eq!(
        ui.protocol_identifier()
            .and_then(h323::h225::protocol_version),
        Some(4)
    );
    assert_eq!(
        hex(&ui.encode().unwrap()),
        hex(&bytes),
        "our re-encoding differs"
    );

    for (body, check) in [
        (
            json!({"choice": "releaseComplete", "value": {
                "protocolIdentifier": "0.0.8.2250.0.5",
                "reason": {"choice": "inConf", "value": null},
                "callIdentifier": {"guid": hex(&CALL.0)}}}),
            "releaseComplete",
        ),
        (
            json!({"choice": "facility", "value": {
                "protocolIdentifier": "0.0.8.2250.0.6",
                "reason": {"choice": "startH245", "value": null},
                "callIdentifier": {"guid": hex(&CALL.0)},
                "h245Address": {"choice": "ip6Address", "value": {"ip": "20010db8000000000000000000000001", "port": 1300}},
                "multipleCalls": false, "maintainConnection": false}}),
            "facility",
        ),
        (json!({"choice": "empty", "value": null}), "empty"),
        (
            json!({"choice": "notify", "value": {
                "protocolIdentifier": "0.0.8.2250.0.6",
                "callIdentifier": {"guid": hex(&CALL.0)},
                "displayName": [{"language": "de", "name": "Anna"}]}}),
            "notify",
        ),
    ] {
        let v = json!({"h323-uu-pdu": {"h323-message-body": body, "h245Tunnelling": true}});
        let bytes = o.encode(UI, &v).expect("asn1tools encodes");
        let ui = UserInfo::decode(&bytes).unwrap_or_else(|e| panic!("{check}: {e}"));
        assert_eq!(ui.body_name(), check);
        assert!(ui.h245_tunnelling());
        match check {
            "releaseComplete" => assert_eq!(
                ui.release_reason(),
                Some(&ReleaseCompleteReason::inConf(()))
            ),
            "facility" => assert_eq!(
                ui.h245_address(),
                Some("[2001:db8::1]:1300".parse().unwrap())
            ),
            "notify" => assert_eq!(ui.display_name().as_deref(), Some("Anna")),
            _ => {}
        }
        assert_eq!(
            hex(&ui.encode().unwrap()),
            hex(&bytes),
            "{check}: re-encoding differs"
        );
    }
}

#[test]
fn captured_user_information_decodes_in_both_with_identical_reencodings() {
    let Some(mut o) = oracle() else { return };
    let pdus = captured(UI);
    assert!(pdus.len() > 100, "fixtures missing: {}", pdus.len());
    let mut compared = 0;
    let mut filled = Vec::new();
    for p in &pdus {
        let id = format!("{} frame {}", p.capture, p.frame);
        let theirs = o.decode(UI, &p.bytes);
        let ours = UserInfo::decode(&p.bytes);
        if p.tshark_malformed {
            // tshark and asn1tools reject it; we only require no panic, and if we
            // accept it, a consistent re-encoding.
            assert!(
                theirs.is_err(),
                "{id}: asn1tools accepts a frame tshark calls malformed"
            );
            if let Ok(ui) = ours {
                UserInfo::decode(&ui.encode().unwrap()).expect("re-decode");
            }
            continue;
        }
        let theirs = theirs.unwrap_or_else(|e| panic!("{id}: asn1tools: {e}"));
        let ours = ours.unwrap_or_else(|e| panic!("{id}: {e}"));
        let ours_re = ours
            .encode()
            .unwrap_or_else(|e| panic!("{id}: re-encode: {e}"));
        if Some(hex(&ours_re)) != theirs.reencoded.as_deref().map(hex) {
            // Only allowed when the sender left out mandatory extension additions, which
            // we decode as their assumed values and then send: asn1tools must read our
            // octets as the captured value plus exactly those, and re-encode them as ours.
            let back = o
                .decode(UI, &ours_re)
                .unwrap_or_else(|e| panic!("{id}: asn1tools rejects our re-encoding: {e}"));
            assert_eq!(
                back.reencoded.as_deref().map(hex),
                Some(hex(&ours_re)),
                "{id}: asn1tools re-encodes our re-encoding differently"
            );
            let added = added_defaults(&theirs.value, &back.value)
                .unwrap_or_else(|e| panic!("{id}: re-encodings differ: {e}"));
            assert!(!added.is_empty(), "{id}: re-encodings differ");
            filled.push(format!("{id}: {added:?}"));
        }
        assert_eq!(
            json!(ours.body_name()),
            theirs.value["h323-uu-pdu"]["h323-message-body"]["choice"],
            "{id}"
        );
        assert_eq!(
            ours.h245_control().len(),
            theirs.value["h323-uu-pdu"]["h245Control"]
                .as_array()
                .map_or(0, Vec::len),
            "{id}"
        );
        compared += 1;
    }
    println!("{compared} captured H323-UserInformation PDUs agree");
    for f in &filled {
        println!("mandatory additions the sender left out, sent by us as assumed: {f}");
    }
}

/// A newer peer: Setup-UUIE and H323-UU-PDU with extension additions we do not
/// know, and an h323-message-body alternative we do not know.
#[test]
fn messages_from_a_newer_version_decode() {
    let Some(mut o) = oracle() else { return };
    o.compile(
        "next",
        &[
            (
                "H323-MESSAGES.asn",
                "  displayName                    SEQUENCE OF DisplayName OPTIONAL\n}",
                "  displayName                    SEQUENCE OF DisplayName OPTIONAL,\n  \
                 futureSetupField  SEQUENCE { level INTEGER(0..1000), blob OCTET STRING } OPTIONAL\n}",
            ),
            (
                "H323-MESSAGES.asn",
                "  genericData                         SEQUENCE OF GenericData OPTIONAL\n}",
                "  genericData                         SEQUENCE OF GenericData OPTIONAL,\n  \
                 futurePduField BOOLEAN OPTIONAL\n}",
            ),
            (
                "H323-MESSAGES.asn",
                "            notify            Notify-UUIE},",
                "            notify            Notify-UUIE,\n            \
                 futureBody  SEQUENCE { protocolIdentifier ProtocolIdentifier, note IA5String }},",
            ),
        ],
    )
    .expect("edited module compiles");

    // Unknown SEQUENCE extension additions are skipped.
    let mut v = setup_json();
    v["h323-uu-pdu"]["h323-message-body"]["value"]["futureSetupField"] =
        json!({"level": 999, "blob": "deadbeef"});
    v["h323-uu-pdu"]["futurePduField"] = json!(true);
    let bytes = o.encode_in("next", UI, &v).expect("newer peer's Setup");
    let ui = UserInfo::decode(&bytes).expect("Setup with unknown additions decodes");
    assert_eq!(ui.body_name(), "setup");
    assert_eq!(
        ui.destination_aliases()[0],
        Alias::DialedDigits("5551234".into())
    );
    assert_eq!(ui.h245_control()[0].as_ref(), &[0x21, 0x80, 0x01]);
    assert_eq!(ui.display_name().as_deref(), Some("Bob"));
    // rasn drops unknown additions: our re-encoding is the Setup without them,
    // which is what the current module encodes from the same JSON minus the new fields.
    let plain = o.encode(UI, &setup_json()).unwrap();
    assert_eq!(hex(&ui.encode().unwrap()), hex(&plain));

    // An unknown body alternative decodes as Body::Unknown, keeps the UU-PDU
    // fields, and re-encodes to the same octets.
    let v = json!({"h323-uu-pdu": {
        "h323-message-body": {"choice": "futureBody",
            "value": {"protocolIdentifier": "0.0.8.2250.0.8", "note": "hello"}},
        "h245Tunnelling": true,
        "h245Control": ["2080"]}});
    let bytes = o.encode_in("next", UI, &v).expect("newer peer's message");
    let ui = UserInfo::decode(&bytes).expect("unknown body alternative decodes");
    assert_eq!(ui.body_name(), "unknown");
    assert!(
        matches!(ui.body(), Body::Unknown { index: 6, .. }),
        "{:?}",
        ui.body()
    );
    assert!(ui.h245_tunnelling());
    assert_eq!(ui.h245_control()[0].as_ref(), &[0x20, 0x80]);
    // Re-encoded, the body's octets are kept as they came: the newer module
    // decodes our re-encoding to the same value. (The octets differ only in the
    // UU-PDU's extension bitmap, which the newer module makes one bit longer.)
    let again = ui.encode().unwrap();
    let d = o.decode_in("next", UI, &again).unwrap();
    let original = o.decode_in("next", UI, &bytes).unwrap();
    assert_eq!(d.value, original.value);
    assert_eq!(
        d.value["h323-uu-pdu"]["h323-message-body"]["value"]["note"],
        json!("hello")
    );
}

/// An H.225.0 v3 peer does not send the v4 additions multipleCalls and
/// maintainConnection, which the v7 module makes mandatory. The generated fields
/// carry `#[rasn(default)]` (xtask/src/postprocess.rs), so the message decodes
/// with both false, and our re-encoding (a v4+ sender) sends them.
#[test]
fn v3_call_proceeding_without_v4_additions_decodes() {
    let Some(mut o) = oracle() else { return };
    o.compile(
        "v3",
        &[(
            "H323-MESSAGES.asn",
            "  fastStart              SEQUENCE OF OCTET STRING OPTIONAL,\n  \
             multipleCalls          BOOLEAN,\n  \
             maintainConnection     BOOLEAN,\n  \
             fastConnectRefused     NULL OPTIONAL,\n  \
             featureSet             FeatureSet OPTIONAL\n}\n\nConnect-UUIE",
            "  fastStart              SEQUENCE OF OCTET STRING OPTIONAL\n}\n\nConnect-UUIE",
        )],
    )
    .expect("v3-style module compiles");
    let v = json!({"h323-uu-pdu": {
        "h323-message-body": {"choice": "callProceeding", "value": {
            "protocolIdentifier": "0.0.8.2250.0.3",
            "destinationInfo": {"terminal": {}, "mc": false, "undefinedNode": false},
            "callIdentifier": {"guid": hex(&CALL.0)}}},
        "h245Tunnelling": false}});
    let bytes = o.encode_in("v3", UI, &v).expect("v3 CallProceeding");
    let ui = UserInfo::decode(&bytes).expect("v3 CallProceeding decodes");
    assert_eq!(ui.body_name(), "callProceeding");
    assert_eq!(ui.call_identifier(), Some(CALL));
    // Re-encoded, the v4 additions go out at the values we assumed.
    let pdu = through_oracle(&mut o, &ui);
    let v = at(&pdu, &["h323-message-body", "callProceeding"]);
    assert_eq!(v["multipleCalls"], json!(false));
    assert_eq!(v["maintainConnection"], json!(false));
}
