//! Shutdown releases live calls with cause 16; a restarted gateway still answers for them.

mod common;

use gateway::fake::FakeDialer;
use serde_json::Value;

#[tokio::test]
async fn records_survive_shutdown_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;
    let live: Value = gw.post_call("801234@127.0.0.1").await.json().await.unwrap();
    let ended: Value = gw.post_call("805678@127.0.0.1").await.json().await.unwrap();
    let ended_id = ended["id"].as_str().unwrap().to_owned();
    gw.http
        .delete(gw.url(&format!("/v1/calls/{ended_id}")))
        .send()
        .await
        .unwrap();
    let fake = gw.fake.clone();
    gw.stop().await;
    assert!(fake.live().is_empty(), "shutdown released the live call");

    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;
    let live_id = live["id"].as_str().unwrap();
    let r: Value = gw
        .http
        .get(gw.url(&format!("/v1/calls/{live_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["state"], "released");
    assert_eq!(r["released_by"], "gateway");
    assert_eq!(r["q931_cause"], 16);
    assert_eq!(r["conference"], "1234");
    let r: Value = gw
        .http
        .get(gw.url(&format!("/v1/calls/{ended_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["state"], "released");
    assert_eq!(r["started_at"], ended["started_at"]);
    let all: Value = gw
        .http
        .get(gw.url("/v1/calls"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.as_array().unwrap().len(), 2);
    gw.stop().await;
}
