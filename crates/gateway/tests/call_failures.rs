//! Every way a call can fail answers problem+json with the right status, cause and reason.

mod common;

use std::time::Duration;

use gateway::fake::{FakeDialer, FakeOutcome};
use serde_json::Value;

#[tokio::test]
async fn malformed_and_unroutable_dial_strings_are_never_dialed() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;

    let p = common::problem(gw.post_call("80 1234@127.0.0.1").await, 400).await;
    assert!(p["detail"].as_str().unwrap().contains("offset 2"), "{p}");
    let p = common::problem(gw.post_call("801234").await, 400).await;
    assert!(p["detail"].as_str().unwrap().contains("'@'"), "{p}");
    common::problem(gw.post_call("801234@2001:db8::1").await, 400).await;
    common::problem(gw.post_call("801234@h:99999").await, 400).await;

    let p = common::problem(gw.post_call("701234@127.0.0.1").await, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("80"), "{p}");
    common::problem(gw.post_call("80@127.0.0.1").await, 422).await;

    // Not JSON / missing field: still problem+json.
    let r = gw
        .http
        .post(gw.url("/v1/calls"))
        .header("content-type", "application/json")
        .body("{\"dail\": 1}")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    assert!(
        gw.fake.dialed().is_empty(),
        "nothing may reach the H.323 side"
    );
    let calls: Value = gw
        .http
        .get(gw.url("/v1/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(calls.as_array().unwrap().len(), 0);
    gw.stop().await;
}

#[tokio::test]
async fn mcu_refusals_map_to_status_cause_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDialer::new();
    fake.set("9999", FakeOutcome::no_such_conference());
    fake.set("1717", FakeOutcome::full());
    fake.set("2121", FakeOutcome::locked());
    fake.set(
        "3434",
        FakeOutcome::Reject {
            q931_cause: Some(34),
            h225_reason: None,
        },
    );
    fake.set(
        "4444",
        FakeOutcome::Reject {
            q931_cause: None,
            h225_reason: Some(service::release::ReleaseReason::InConf),
        },
    );
    fake.set("5555", FakeOutcome::Unreachable);
    let gw = common::start(common::config(dir.path()), fake).await;

    let cases = [
        ("809999", 404, Some(1u8), Some("calledPartyNotRegistered")),
        ("801717", 409, Some(17), Some("inConf")),
        ("802121", 403, Some(21), Some("destinationRejection")),
        ("803434", 502, Some(34), None),
        // A reason without a Cause IE gets the cause H.225.0 Table 5 pairs with it.
        ("804444", 409, Some(17), Some("inConf")),
        ("805555", 502, None, None),
    ];
    for (number, status, cause, reason) in cases {
        let p = common::problem(gw.post_call(&format!("{number}@127.0.0.1")).await, status).await;
        assert_eq!(
            p["q931_cause"].as_u64(),
            cause.map(u64::from),
            "{number}: {p}"
        );
        assert_eq!(p["h225_reason"].as_str(), reason, "{number}: {p}");
        let id = p["call_id"].as_str().unwrap();
        assert_eq!(p["instance"], format!("/v1/calls/{id}"));
        // The CDR says the same.
        let cdr: Value = gw
            .http
            .get(gw.url(&format!("/v1/calls/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(cdr["state"], "failed", "{cdr}");
        assert_eq!(cdr["q931_cause"], p["q931_cause"]);
    }
    let p = common::problem(gw.post_call("809999@127.0.0.1").await, 404).await;
    assert!(p["detail"].as_str().unwrap().contains("9999"), "{p}");
    gw.stop().await;
}

#[tokio::test]
async fn a_silent_mcu_times_out_with_504() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDialer::new();
    fake.set_default(FakeOutcome::Silent);
    let mut config = common::config(dir.path());
    config.call_timeout = Duration::from_millis(200);
    let gw = common::start(config, fake).await;
    let p = common::problem(gw.post_call("801234@127.0.0.1").await, 504).await;
    assert_eq!(p["q931_cause"], 102);
    let cdr: Value = gw
        .http
        .get(gw.url(&format!("/v1/calls/{}", p["call_id"].as_str().unwrap())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cdr["result"], "timeout");
    gw.stop().await;
}
