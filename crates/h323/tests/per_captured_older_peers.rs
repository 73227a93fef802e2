//! Real captured messages that hit the two rasn 0.30 defects the generator corrects
//! (`xtask/src/postprocess.rs`), each decoded by us and re-encoded to the octets asn1tools
//! gives:
//! - mandatory extension additions left out by older senders (an H.225.0 v2 Alerting from
//!   OpenH323, Cisco's H.245 CloseLogicalChannel without `reason`): we decode the assumed
//!   value, and our re-encoding is asn1tools' encoding of the captured value plus it;
//! - an `Option` of a constrained newtype in an extension addition (GnuGK's RCF
//!   `timeToLive`, `INTEGER (1..4294967295)`): we decode the captured value and re-encode
//!   exactly the captured octets' re-encoding by asn1tools.

mod oracle;

use h323::asn::h225::{RasMessage, RegistrationConfirm};
use h323::asn::h245::{CloseLogicalChannelReason, MultimediaSystemControlMessage, RequestMessage};
use h323::h225::ras::Ras;
use h323::h225::{Body, UserInfo};
use h323::per;
use oracle::{captured, hex, oracle, CapturedPdu};
use serde_json::{json, Value};

fn fixture(ty: &str, capture: &str, frame: u32) -> CapturedPdu {
    captured(ty)
        .into_iter()
        .find(|p| p.capture == capture && p.frame == frame)
        .unwrap_or_else(|| panic!("no {ty} fixture {capture} frame {frame}"))
}

#[test]
fn v2_alerting_without_mandatory_additions_decodes_and_reencodes_as_asn1tools() {
    let Some(mut o) = oracle() else { return };
    let p = fixture("H323-UserInformation", "ndpi-h323", 50);
    let theirs = o.decode("H323-UserInformation", &p.bytes).unwrap();
    let body = &theirs.value["h323-uu-pdu"]["h323-message-body"];
    assert_eq!(body["choice"], json!("alerting"));
    assert_eq!(body["value"]["protocolIdentifier"], json!("0.0.8.2250.0.2"));
    for absent in ["multipleCalls", "maintainConnection"] {
        assert!(
            body["value"].get(absent).is_none(),
            "the fixture no longer exercises the defect: {absent} present"
        );
    }

    let ui = UserInfo::decode(&p.bytes).expect("a v2 Alerting decodes");
    let Body::Alerting(a) = ui.body() else {
        panic!("not alerting: {}", ui.body_name())
    };
    assert!(!a.multiple_calls && !a.maintain_connection);

    let mut want: Value = theirs.value.clone();
    let v = &mut want["h323-uu-pdu"]["h323-message-body"]["value"];
    v["multipleCalls"] = json!(false);
    v["maintainConnection"] = json!(false);
    let want = o.encode("H323-UserInformation", &want).unwrap();
    assert_eq!(hex(&ui.encode().unwrap()), hex(&want));
}

#[test]
fn cisco_close_logical_channel_without_reason_decodes_and_reencodes_as_asn1tools() {
    let Some(mut o) = oracle() else { return };
    let mut seen = 0;
    for p in captured("MultimediaSystemControlMessage") {
        let theirs = o
            .decode("MultimediaSystemControlMessage", &p.bytes)
            .unwrap();
        let v = &theirs.value;
        if v["value"]["choice"] != json!("closeLogicalChannel")
            || v["value"]["value"].get("reason").is_some()
        {
            continue;
        }
        let id = format!("{} frame {}", p.capture, p.frame);
        let ours: MultimediaSystemControlMessage =
            per::decode(&p.bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        let MultimediaSystemControlMessage::request(RequestMessage::closeLogicalChannel(clc)) =
            &ours
        else {
            panic!("{id}: not a CloseLogicalChannel: {ours:?}")
        };
        assert_eq!(clc.reason, CloseLogicalChannelReason::unknown(()), "{id}");
        assert_eq!(
            json!(clc.forward_logical_channel_number.0),
            v["value"]["value"]["forwardLogicalChannelNumber"],
            "{id}"
        );
        let mut want = v.clone();
        want["value"]["value"]["reason"] = json!({"choice": "unknown", "value": null});
        let want = o.encode("MultimediaSystemControlMessage", &want).unwrap();
        assert_eq!(hex(&per::encode(&ours).unwrap()), hex(&want), "{id}");
        seen += 1;
    }
    assert!(
        seen > 0,
        "no CloseLogicalChannel without reason in the captures"
    );
}

#[test]
fn rcf_time_to_live_decodes_with_its_range_and_reencodes_as_asn1tools() {
    let Some(mut o) = oracle() else { return };
    let p = fixture("RasMessage", "ndpi-h323", 62);
    let theirs = o.decode("RasMessage", &p.bytes).unwrap();
    assert_eq!(theirs.value["choice"], json!("registrationConfirm"));
    let ttl = &theirs.value["value"]["timeToLive"];
    assert!(
        ttl.is_u64(),
        "the fixture has no timeToLive: {}",
        theirs.value
    );

    let ours = Ras::decode(&p.bytes).expect("GnuGK's RCF decodes");
    let Some(RasMessage::registrationConfirm(rcf)) = ours.message() else {
        panic!("not an RCF: {}", ours.name())
    };
    let rcf: &RegistrationConfirm = rcf;
    assert_eq!(json!(rcf.time_to_live.as_ref().map(|t| t.0)), *ttl);
    assert_eq!(
        ours.encode().map(|b| hex(&b)).ok(),
        theirs.reencoded.as_deref().map(hex)
    );
}

/// The three H.245 mandatory extension additions that carry a constraint
/// (`T38FaxProfile.version`, `ServicePriorityValue.value`,
/// `TerminalYouAreSeeingInSubPictureNumber.mcuNumber`) cannot get a receiver default
/// (rasn-derive), so the generator makes them `Option`s. A value from an older peer that
/// leaves them out (encoded here by asn1tools) decodes with `None`; a value that has them
/// decodes with `Some` and re-encodes to asn1tools' octets.
#[test]
fn constrained_mandatory_additions_left_out_by_older_peers_decode() {
    use h323::asn::h245::{
        ServicePriorityValue, T38FaxProfile, T38FaxRateManagement,
        TerminalYouAreSeeingInSubPictureNumber,
    };
    let Some(mut o) = oracle() else { return };
    let mut check = |ty: &str, old: Value, added: &[(&str, Value)]| -> (Vec<u8>, Vec<u8>) {
        let old_bytes = o.encode(ty, &old).unwrap();
        let mut new = old.clone();
        for (k, v) in added {
            new[*k] = v.clone();
        }
        (old_bytes, o.encode(ty, &new).unwrap())
    };

    let base = json!({"fillBitRemoval": true, "transcodingJBIG": false, "transcodingMMR": false});
    let tcf = json!({"choice": "transferredTCF", "value": null});
    let (old, new) = check(
        "T38FaxProfile",
        base.clone(),
        &[("version", json!(3)), ("t38FaxRateManagement", tcf.clone())],
    );
    let p: T38FaxProfile = per::decode(&old).expect("T38FaxProfile without version");
    assert!(p.fill_bit_removal && p.version.is_none());
    let p: T38FaxProfile = per::decode(&new).unwrap();
    assert_eq!(p.version, Some(3));
    assert_eq!(
        p.t38_fax_rate_management,
        T38FaxRateManagement::transferredTCF(())
    );
    assert_eq!(hex(&per::encode(&p).unwrap()), hex(&new));

    let (old, new) = check("ServicePriorityValue", json!({}), &[("value", json!(200))]);
    let v: ServicePriorityValue = per::decode(&old).expect("ServicePriorityValue without value");
    assert_eq!(v.value, None);
    let v: ServicePriorityValue = per::decode(&new).unwrap();
    assert_eq!(v.value, Some(200));
    assert_eq!(hex(&per::encode(&v).unwrap()), hex(&new));

    let (old, new) = check(
        "TerminalYouAreSeeingInSubPictureNumber",
        json!({"terminalNumber": 3, "subPictureNumber": 2}),
        &[("mcuNumber", json!(192))],
    );
    let t: TerminalYouAreSeeingInSubPictureNumber =
        per::decode(&old).expect("TerminalYouAreSeeingInSubPictureNumber without mcuNumber");
    assert!(t.mcu_number.is_none());
    let t: TerminalYouAreSeeingInSubPictureNumber = per::decode(&new).unwrap();
    assert_eq!(t.mcu_number.as_ref().map(|m| m.0), Some(192));
    assert_eq!(hex(&per::encode(&t).unwrap()), hex(&new));
    // The constraint survives: 193 is outside McuNumber (0..192) and does not encode.
    let mut bad = t.clone();
    bad.mcu_number = bad.mcu_number.map(|mut m| {
        m.0 = 193;
        m
    });
    assert!(per::encode(&bad).is_err(), "mcuNumber 193 encoded");
}
