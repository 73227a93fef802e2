//! POST /v1/calls connects, GET shows it, DELETE releases it with cause 16.

mod common;

use gateway::fake::FakeDialer;
use serde_json::Value;

#[tokio::test]
async fn connect_list_and_release_a_call() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;

    let r = gw.post_call("801234@127.0.0.1").await;
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let call: Value = r.json().await.unwrap();
    assert_eq!(call["state"], "connected");
    assert_eq!(call["conference"], "1234");
    assert_eq!(call["mcu"], "127.0.0.1:1720");
    assert_eq!(call["dial"], "801234@127.0.0.1");
    assert_eq!(call["display"], "VN one");
    assert!(call["connected_at"].is_string());
    let id = call["id"].as_str().unwrap().to_owned();
    assert_eq!(location, format!("/v1/calls/{id}"));

    // What the H.323 side was asked to do.
    let dialed = gw.fake.dialed();
    assert_eq!(dialed.len(), 1);
    assert_eq!(dialed[0].conference, "1234");
    assert_eq!(dialed[0].mcu.to_string(), "127.0.0.1:1720");
    assert_eq!(dialed[0].caller_alias, "VN one");

    let got: Value = gw
        .http
        .get(gw.url(&location))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got, call);
    let list: Value = gw
        .http
        .get(gw.url("/v1/calls?state=connected"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let r = gw.http.delete(gw.url(&location)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let ended: Value = r.json().await.unwrap();
    assert_eq!(ended["state"], "released");
    assert_eq!(ended["q931_cause"], 16);
    assert_eq!(ended["released_by"], "gateway");
    assert!(ended["ended_at"].is_string());
    assert!(gw.fake.live().is_empty());

    // Releasing again is harmless and answers the same final record.
    let again: Value = gw
        .http
        .delete(gw.url(&location))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, ended);
    gw.stop().await;
}

#[tokio::test]
async fn ipv6_and_host_names_reach_the_dialer() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;
    let call: Value = gw
        .post_call("805678@[::1]:1721")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(call["mcu"], "[::1]:1721");
    let call: Value = gw.post_call("80*5#@localhost").await.json().await.unwrap();
    assert_eq!(call["mcu"], "localhost:1720");
    assert_eq!(call["conference"], "*5#");
    let dialed = gw.fake.dialed();
    assert_eq!(dialed[0].mcu.to_string(), "[::1]:1721");
    assert!(dialed[1].mcu.ip().is_loopback(), "{}", dialed[1].mcu);
    gw.stop().await;
}

#[tokio::test]
async fn unknown_call_ids_are_404_problems() {
    let dir = tempfile::tempdir().unwrap();
    let gw = common::start(common::config(dir.path()), FakeDialer::new()).await;
    let r = gw
        .http
        .get(gw.url("/v1/calls/not-a-uuid"))
        .send()
        .await
        .unwrap();
    common::problem(r, 404).await;
    let r = gw
        .http
        .delete(gw.url("/v1/calls/6f1c3a1e-0000-4000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    common::problem(r, 404).await;
    let r = gw.http.get(gw.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    gw.stop().await;
}
