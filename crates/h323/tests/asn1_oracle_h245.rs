//! H.245 (MultimediaSystemControlMessage) against the asn1tools oracle: messages
//! built from the generated structs are decoded by asn1tools with the same
//! fields and re-encoded to our octets; asn1tools' encodings decode in our code;
//! every H.245 PDU of the real captures decodes in both with identical
//! re-encodings and the names `h245::names` gives equal asn1tools' (and so the
//! ASN.1's and tshark's); fastStart OLC proposals carried in a Setup decode as
//! OpenLogicalChannel.

mod oracle;

use h323::asn::h245::{MultimediaSystemControlMessage, OpenLogicalChannel};
use h323::h225::{build, CallId, ConferenceId, UserInfo};
use h323::h245::names;
use h323::per;
use oracle::h245_samples as s;
use oracle::{added_defaults, at, captured, hex, oracle};
use serde_json::json;

const MSCM: &str = "MultimediaSystemControlMessage";

#[test]
fn every_message_kind_is_decoded_by_asn1tools_and_reencoded_identically() {
    let Some(mut o) = oracle() else { return };
    for (m, name) in s::all() {
        assert_eq!(names::message_name(&m), name);
        let ours = per::encode(&m).expect("our encoder");
        let d = o
            .decode(MSCM, &ours)
            .unwrap_or_else(|e| panic!("asn1tools rejects our {name}: {e}\n{}", hex(&ours)));
        assert_eq!(d.reencoded.as_deref().map(hex), Some(hex(&ours)), "{name}");
        assert_eq!(d.value["choice"], json!(names::category(&m)), "{name}");
        assert_eq!(d.value["value"]["choice"], json!(name), "{name}");
        let back: MultimediaSystemControlMessage = per::decode(&ours).unwrap();
        assert_eq!(back, m, "{name}");
    }
}

#[test]
fn capability_set_and_channel_fields_reach_asn1tools() {
    let Some(mut o) = oracle() else { return };
    let all = s::all();
    let mut get = |n: &str| {
        let m = &all.iter().find(|(_, k)| *k == n).unwrap().0;
        o_decode(&mut o, m)
    };
    fn o_decode(o: &mut oracle::Oracle, m: &MultimediaSystemControlMessage) -> serde_json::Value {
        o.decode(MSCM, &per::encode(m).unwrap()).unwrap().value["value"]["value"].clone()
    }
    let tcs = get("terminalCapabilitySet");
    assert_eq!(tcs["sequenceNumber"], json!(1));
    assert_eq!(tcs["protocolIdentifier"], json!("0.0.8.245.0.13"));
    let table = tcs["capabilityTable"].as_array().unwrap();
    assert_eq!(table.len(), 4);
    assert_eq!(
        table[0]["capability"],
        json!({"choice": "receiveAudioCapability", "value": {"choice": "g711Alaw64k", "value": 20}})
    );
    assert_eq!(
        table[1]["capability"],
        json!({"choice": "receiveAudioCapability", "value": {"choice": "g711Ulaw64k", "value": 20}})
    );
    let h264 = at(
        &table[2]["capability"],
        &["receiveVideoCapability", "genericVideoCapability"],
    );
    assert_eq!(
        h264["capabilityIdentifier"],
        json!({"choice": "standard", "value": "0.0.8.241.0.0.1"})
    );
    assert_eq!(h264["maxBitRate"], json!(3840));
    assert_eq!(
        h264["collapsing"][1]["parameterValue"],
        json!({"choice": "unsignedMin", "value": 29})
    );
    let h263 = at(
        &table[3]["capability"],
        &["receiveVideoCapability", "h263VideoCapability"],
    );
    assert_eq!(h263["cifMPI"], json!(1));
    assert_eq!(h263["qcifMPI"], json!(1));
    assert_eq!(
        tcs["capabilityDescriptors"][0]["simultaneousCapabilities"],
        json!([[1, 2], [3, 4]])
    );

    let olc = get("openLogicalChannel");
    assert_eq!(olc["forwardLogicalChannelNumber"], json!(1));
    let fwd = &olc["forwardLogicalChannelParameters"];
    assert_eq!(
        fwd["dataType"],
        json!({"choice": "audioData", "value": {"choice": "g711Alaw64k", "value": 20}})
    );
    let h2250 = at(
        &fwd["multiplexParameters"],
        &["h2250LogicalChannelParameters"],
    );
    assert_eq!(h2250["sessionID"], json!(1));
    assert_eq!(
        h2250["mediaControlChannel"],
        json!({"choice": "unicastAddress", "value": {"choice": "iPAddress",
               "value": {"network": "c000020a", "tsapIdentifier": 5001}}})
    );

    let ack = get("openLogicalChannelAck");
    let p = at(
        &ack["forwardMultiplexAckParameters"],
        &["h2250LogicalChannelAckParameters"],
    );
    assert_eq!(
        p["mediaChannel"],
        json!({"choice": "unicastAddress", "value": {"choice": "iPAddress",
               "value": {"network": "c6336407", "tsapIdentifier": 6000}}})
    );
    assert_eq!(p["flowControlToZero"], json!(false));

    let msd = get("masterSlaveDetermination");
    assert_eq!(msd["terminalType"], json!(190));
    assert_eq!(msd["statusDeterminationNumber"], json!(8_388_607));
    let misc = get("miscellaneousCommand");
    assert_eq!(
        misc["type"],
        json!({"choice": "videoFastUpdatePicture", "value": null})
    );
    let fc = get("flowControlCommand");
    assert_eq!(
        fc["restriction"],
        json!({"choice": "maximumBitRate", "value": 3840})
    );
    let clc = get("closeLogicalChannel");
    assert_eq!(clc["reason"], json!({"choice": "unknown", "value": null}));
    // The MCU's admission after a room PIN (mcu::pin), from our constructor.
    let tna = get("conferenceIndication");
    assert_eq!(
        tna,
        json!({"choice": "terminalNumberAssign", "value": {"mcuNumber": 1, "terminalNumber": 7}})
    );
}

#[test]
fn messages_encoded_by_asn1tools_decode_in_ours() {
    let Some(mut o) = oracle() else { return };
    for v in [
        json!({"choice": "request", "value": {"choice": "masterSlaveDetermination",
               "value": {"terminalType": 60, "statusDeterminationNumber": 123456}}}),
        json!({"choice": "response", "value": {"choice": "terminalCapabilitySetAck",
               "value": {"sequenceNumber": 3}}}),
        json!({"choice": "command", "value": {"choice": "endSessionCommand",
               "value": {"choice": "disconnect", "value": null}}}),
        json!({"choice": "indication", "value": {"choice": "userInput",
               "value": {"choice": "alphanumeric", "value": "123#"}}}),
        json!({"choice": "indication", "value": {"choice": "conferenceIndication",
               "value": {"choice": "terminalNumberAssign",
                         "value": {"mcuNumber": 192, "terminalNumber": 1}}}}),
        json!({"choice": "request", "value": {"choice": "openLogicalChannel", "value": {
            "forwardLogicalChannelNumber": 101,
            "forwardLogicalChannelParameters": {
                "dataType": {"choice": "audioData", "value": {"choice": "g711Ulaw64k", "value": 30}},
                "multiplexParameters": {"choice": "h2250LogicalChannelParameters", "value": {
                    "sessionID": 1,
                    "mediaControlChannel": {"choice": "unicastAddress", "value": {"choice": "iPAddress",
                        "value": {"network": "0a000001", "tsapIdentifier": 49153}}},
                    "silenceSuppression": true}}}}}}),
    ] {
        let bytes = o.encode(MSCM, &v).expect("asn1tools encodes");
        let m: MultimediaSystemControlMessage =
            per::decode(&bytes).unwrap_or_else(|e| panic!("{v}: {e}"));
        assert_eq!(json!(names::category(&m)), v["choice"]);
        assert_eq!(json!(names::message_name(&m)), v["value"]["choice"]);
        assert_eq!(
            hex(&per::encode(&m).unwrap()),
            hex(&bytes),
            "{v}: re-encoding differs"
        );
    }
}

#[test]
fn fast_start_proposals_in_a_setup_are_open_logical_channels() {
    let Some(mut o) = oracle() else { return };
    let proposals = [s::olc_g711(1, true), s::olc_g711(3, false)];
    let mut setup = build::Setup::new(CallId([3; 16]), ConferenceId([4; 16]));
    setup.fast_start = proposals.iter().map(|p| per::encode(p).unwrap()).collect();
    let ui = UserInfo::new(setup.build().unwrap()).with_h245_tunnelling(true);
    let bytes = ui.encode().unwrap();
    let d = o.decode("H323-UserInformation", &bytes).unwrap();
    assert_eq!(d.reencoded.as_deref().map(hex), Some(hex(&bytes)));
    let fs = at(
        &d.value,
        &["h323-uu-pdu", "h323-message-body", "setup", "fastStart"],
    );
    let fs = fs.as_array().unwrap();
    assert_eq!(fs.len(), 2);
    for (i, (element, ours)) in fs.iter().zip(&proposals).enumerate() {
        let olc_bytes = oracle::unhex(element.as_str().unwrap());
        let olc = o.decode("OpenLogicalChannel", &olc_bytes).unwrap();
        assert_eq!(olc.reencoded.as_deref().map(hex), Some(hex(&olc_bytes)));
        let codec = if i == 0 { "g711Alaw64k" } else { "g711Ulaw64k" };
        assert_eq!(
            olc.value["forwardLogicalChannelParameters"]["dataType"]["value"]["choice"],
            json!(codec)
        );
        let back: OpenLogicalChannel =
            per::decode(&UserInfo::decode(&bytes).unwrap().fast_start()[i]).unwrap();
        assert_eq!(&back, ours);
    }
}

/// Cisco's H.245 leaves out CloseLogicalChannel.reason and
/// H2250LogicalChannelAckParameters.flowControlToZero (mandatory additions of later
/// H.245 versions). We decode them as the values `oracle::assumed_when_absent`
/// lists and send them on re-encoding; asn1tools must agree with that re-encoding.
#[test]
fn captured_h245_decodes_in_both_with_identical_reencodings_and_names() {
    let Some(mut o) = oracle() else { return };
    let pdus = captured(MSCM);
    assert!(pdus.len() > 200, "fixtures missing: {}", pdus.len());
    let mut compared = 0;
    let mut filled = Vec::new();
    let mut names_seen = std::collections::BTreeSet::new();
    for p in &pdus {
        let id = format!("{} frame {}", p.capture, p.frame);
        let theirs = o
            .decode(MSCM, &p.bytes)
            .unwrap_or_else(|e| panic!("{id}: asn1tools: {e}"));
        let ours: MultimediaSystemControlMessage =
            per::decode(&p.bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            json!(names::category(&ours)),
            theirs.value["choice"],
            "{id}"
        );
        assert_eq!(
            json!(names::message_name(&ours)),
            theirs.value["value"]["choice"],
            "{id}"
        );
        names_seen.insert(names::message_name(&ours));
        let re = per::encode(&ours).unwrap_or_else(|e| panic!("{id}: re-encode: {e}"));
        if Some(hex(&re)) != theirs.reencoded.as_deref().map(hex) {
            // Only allowed when the sender left out mandatory extension additions (see
            // above): asn1tools reads our octets as the captured value plus exactly those.
            let back = o
                .decode(MSCM, &re)
                .unwrap_or_else(|e| panic!("{id}: asn1tools rejects our re-encoding: {e}"));
            assert_eq!(
                back.reencoded.as_deref().map(hex),
                Some(hex(&re)),
                "{id}: asn1tools re-encodes our re-encoding differently"
            );
            let added = added_defaults(&theirs.value, &back.value)
                .unwrap_or_else(|e| panic!("{id}: re-encodings differ: {e}"));
            assert!(!added.is_empty(), "{id}: re-encodings differ");
            filled.push(format!("{id}: {added:?}"));
        }
        compared += 1;
    }
    println!("{compared} captured H.245 PDUs agree; names: {names_seen:?}");
    for f in &filled {
        println!("mandatory additions the sender left out, sent by us as assumed: {f}");
    }
}
