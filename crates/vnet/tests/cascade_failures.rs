//! Failed cascades answer with the gateway's status and cause, and record why in operator words.

mod common;

use common::{Gateway, Vnet};
use gateway::fake::{FakeDialer, FakeOutcome};
use serde_json::json;

#[tokio::test]
async fn refusals_are_explained_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeDialer::new();
    fake.set("9999", FakeOutcome::no_such_conference());
    fake.set("1717", FakeOutcome::full());
    fake.set("2121", FakeOutcome::locked());
    let gw = Gateway::start(&dir.path().join("gw"), fake).await;
    let vn = Vnet::start(&dir.path().join("vn"), &gw.url()).await;
    let conf = vn.conference("Ops").await;

    let p = common::problem(
        vn.cascade(conf, json!({"dial": "809999@127.0.0.1"})).await,
        404,
    )
    .await;
    assert_eq!(p["detail"], "conference 9999 does not exist on 127.0.0.1");
    assert_eq!(p["q931_cause"], 1);
    assert_eq!(p["h225_reason"], "calledPartyNotRegistered");
    assert!(p["gateway_call_id"].is_string());
    let p = common::problem(
        vn.cascade(conf, json!({"conference": "1717", "mcu": "127.0.0.1"}))
            .await,
        409,
    )
    .await;
    assert_eq!(p["detail"], "conference 1717 on 127.0.0.1 is full");
    assert_eq!(p["q931_cause"], 17);
    let p = common::problem(
        vn.cascade(conf, json!({"conference": "2121", "mcu": "127.0.0.1"}))
            .await,
        403,
    )
    .await;
    assert_eq!(p["q931_cause"], 21);

    // The gateway's dial plan refuses an unknown prefix.
    let p = common::problem(
        vn.cascade(conf, json!({"dial": "701234@127.0.0.1"})).await,
        422,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("no route"), "{p}");

    let c = vn.get(&format!("/v1/conferences/{conf}")).await;
    assert_eq!(c["cascaded"], false);
    let cascades = c["cascades"].as_array().unwrap();
    assert_eq!(cascades.len(), 4);
    assert!(cascades.iter().all(|k| k["state"] == "failed"));
    assert_eq!(
        cascades[0]["reason"],
        "conference 9999 does not exist on 127.0.0.1"
    );
    assert!(cascades[0]["ended_at"].is_string());
    vn.stop().await;
    gw.stop().await;
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&dir.path().join("gw"), FakeDialer::new()).await;
    let vn = Vnet::start(&dir.path().join("vn"), &gw.url()).await;
    let conf = vn.conference("Ops").await;
    for body in [
        json!({"dial": "80 1234@127.0.0.1"}),
        json!({"dial": "801234"}),
        json!({"conference": "12a4", "mcu": "127.0.0.1"}),
        json!({"conference": "1234", "mcu": "2001:db8::1"}),
        json!({"conference": "1234"}),
        json!({"dial": "801234@127.0.0.1", "conference": "1234", "mcu": "127.0.0.1"}),
        json!({}),
    ] {
        let p = common::problem(vn.cascade(conf, body.clone()).await, 400).await;
        assert!(
            p["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{body}: {p}"
        );
    }
    let r = vn.cascade(4242, json!({"dial": "801234@127.0.0.1"})).await;
    common::problem(r, 404).await;
    let r = vn
        .http
        .post(vn.url("/v1/conferences"))
        .json(&json!({"name": " "}))
        .send()
        .await
        .unwrap();
    common::problem(r, 400).await;
    assert!(gw.fake.dialed().is_empty());
    assert!(vn.get(&format!("/v1/conferences/{conf}")).await["cascades"]
        .as_array()
        .unwrap()
        .is_empty());
    vn.stop().await;
    gw.stop().await;
}

#[tokio::test]
async fn an_unreachable_gateway_is_a_502() {
    let dir = tempfile::tempdir().unwrap();
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let vn = Vnet::start(dir.path(), &format!("http://127.0.0.1:{port}")).await;
    let conf = vn.conference("Ops").await;
    let p = common::problem(
        vn.cascade(conf, json!({"dial": "801234@127.0.0.1"})).await,
        502,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("gateway"), "{p}");
    let c = vn.get(&format!("/v1/conferences/{conf}")).await;
    assert_eq!(c["cascades"][0]["state"], "failed");
    assert!(c["cascades"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("cannot be reached"));
    vn.stop().await;
}
