//! Cascades end from the VN side (DELETE) and from the MCU side (events from the gateway).

mod common;

use common::{Gateway, Vnet};
use gateway::fake::FakeDialer;
use serde_json::{json, Value};

#[tokio::test]
async fn the_operator_ends_a_cascade() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&dir.path().join("gw"), FakeDialer::new()).await;
    let vn = Vnet::start(&dir.path().join("vn"), &gw.url()).await;
    let conf = vn.conference("Ops").await;
    let k: Value = vn
        .cascade(conf, json!({"dial": "801234@127.0.0.1"}))
        .await
        .json()
        .await
        .unwrap();
    let r = vn
        .http
        .delete(vn.url(&format!("/v1/conferences/{conf}/cascades/{}", k["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ended: Value = r.json().await.unwrap();
    assert_eq!(ended["state"], "ended");
    assert_eq!(ended["reason"], "ended by the operator");
    assert!(
        gw.fake.live().is_empty(),
        "the gateway released the H.323 call"
    );
    let call: Value = reqwest::get(format!(
        "{}/v1/calls/{}",
        gw.url(),
        k["gateway_call_id"].as_str().unwrap()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(call["q931_cause"], 16);
    // The release event that follows must not rewrite the reason.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let c = vn.get(&format!("/v1/conferences/{conf}")).await;
    assert_eq!(c["cascaded"], false);
    assert_eq!(c["cascades"][0]["reason"], "ended by the operator");

    // Deleting a conference ends its cascades first.
    let k: Value = vn
        .cascade(conf, json!({"dial": "805678@127.0.0.1"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(k["state"], "cascaded");
    let r = vn
        .http
        .delete(vn.url(&format!("/v1/conferences/{conf}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(gw.fake.live().is_empty());
    common::problem(
        vn.http
            .get(vn.url(&format!("/v1/conferences/{conf}")))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
    vn.stop().await;
    gw.stop().await;
}

#[tokio::test]
async fn a_release_by_the_mcu_reaches_the_vn_conference() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&dir.path().join("gw"), FakeDialer::new()).await;
    let vn = Vnet::start(&dir.path().join("vn"), &gw.url()).await;
    let a = vn.conference("Team A").await;
    let b = vn.conference("Team B").await;
    let ka: Value = vn
        .cascade(a, json!({"dial": "801234@127.0.0.1"}))
        .await
        .json()
        .await
        .unwrap();
    let kb: Value = vn
        .cascade(b, json!({"dial": "805678@127.0.0.1"}))
        .await
        .json()
        .await
        .unwrap();

    let call = ka["gateway_call_id"].as_str().unwrap().parse().unwrap();
    assert!(gw.fake.hang_up(call, 16, None));
    let c = vn
        .wait_for(&format!("/v1/conferences/{a}"), |c| c["cascaded"] == false)
        .await;
    assert_eq!(c["cascades"][0]["state"], "ended");
    assert_eq!(
        c["cascades"][0]["reason"],
        "the MCU 127.0.0.1 ended the call (cause 16, normal call clearing)"
    );
    assert_eq!(c["cascades"][0]["q931_cause"], 16);
    // The other conference's cascade into the same MCU is untouched.
    let other = vn.get(&format!("/v1/conferences/{b}")).await;
    assert_eq!(other["cascaded"], true);
    assert_eq!(other["cascades"][0]["id"], kb["id"]);
    vn.stop().await;
    gw.stop().await;
}
