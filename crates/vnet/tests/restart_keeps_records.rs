//! A restarted VN server keeps its conferences and cascades, and catches up with releases that
//! happened while it was down.

mod common;

use common::{Gateway, Vnet};
use gateway::fake::FakeDialer;
use serde_json::{json, Value};

#[tokio::test]
async fn records_survive_and_missed_releases_are_caught_up() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&dir.path().join("gw"), FakeDialer::new()).await;
    let vn_dir = dir.path().join("vn");
    let vn = Vnet::start(&vn_dir, &gw.url()).await;
    let conf = vn.conference("Team A").await;
    let kept: Value = vn
        .cascade(conf, json!({"dial": "801234@127.0.0.1"}))
        .await
        .json()
        .await
        .unwrap();
    let dropped: Value = vn
        .cascade(conf, json!({"dial": "805678@127.0.0.1"}))
        .await
        .json()
        .await
        .unwrap();
    vn.stop().await;

    // While the VN server is down, the MCU releases one of the calls.
    let call = dropped["gateway_call_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(gw.fake.hang_up(call, 16, None));

    let vn = Vnet::start(&vn_dir, &gw.url()).await;
    let path = format!("/v1/conferences/{conf}");
    let c = vn
        .wait_for(&path, |c| c["cascades"][1]["state"] == "ended")
        .await;
    assert_eq!(c["name"], "Team A");
    assert_eq!(c["cascaded"], true);
    assert_eq!(c["cascades"][0]["id"], kept["id"]);
    assert_eq!(c["cascades"][0]["state"], "cascaded");
    assert_eq!(c["cascades"][0]["gateway_call_id"], kept["gateway_call_id"]);
    assert!(c["cascades"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("ended the call"));
    vn.stop().await;
    gw.stop().await;
}
