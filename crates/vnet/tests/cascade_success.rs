//! A VN conference cascades into internet conferences through a real gateway over HTTP.

mod common;

use common::{Gateway, Vnet};
use gateway::fake::FakeDialer;
use serde_json::{json, Value};

#[tokio::test]
async fn conferences_cascade_into_rooms_of_one_mcu_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&dir.path().join("gw"), FakeDialer::new()).await;
    let vn = Vnet::start(&dir.path().join("vn"), &gw.url()).await;

    let page = vn.http.get(vn.url("/")).send().await.unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("VN conferences"));

    let a = vn.conference("Team A").await;
    let b = vn.conference("Team B").await;
    let before = vn.get(&format!("/v1/conferences/{a}")).await;
    assert_eq!(before["cascaded"], false);

    let r = vn
        .cascade(a, json!({"conference": "1234", "mcu": "127.0.0.1"}))
        .await;
    assert_eq!(r.status(), 201);
    let k: Value = r.json().await.unwrap();
    assert_eq!(k["state"], "cascaded");
    assert_eq!(k["dial"], "801234@127.0.0.1");
    assert_eq!(k["conference"], "1234");
    assert_eq!(k["mcu"], "127.0.0.1");
    let call_id = k["gateway_call_id"].as_str().unwrap().to_owned();

    let r = vn.cascade(b, json!({"dial": "805678@127.0.0.1"})).await;
    assert_eq!(r.status(), 201);
    // A second internet conference for the same VN conference, on another MCU port.
    let r = vn
        .cascade(a, json!({"dial": "809999@127.0.0.1:1721"}))
        .await;
    assert_eq!(r.status(), 201);

    let conf_a = vn.get(&format!("/v1/conferences/{a}")).await;
    assert_eq!(conf_a["cascaded"], true);
    assert_eq!(conf_a["cascades"].as_array().unwrap().len(), 2);
    assert_eq!(
        vn.get(&format!("/v1/conferences/{b}")).await["cascaded"],
        true
    );

    // The gateway placed the calls with the VN conference's name as caller.
    let mut callers: Vec<(String, String)> = gw
        .fake
        .live()
        .into_iter()
        .map(|r| (r.conference, r.caller_alias))
        .collect();
    callers.sort();
    assert_eq!(
        callers,
        [
            ("1234".to_owned(), "Team A".to_owned()),
            ("5678".to_owned(), "Team B".to_owned()),
            ("9999".to_owned(), "Team A".to_owned())
        ]
    );
    let call: Value = reqwest::get(format!("{}/v1/calls/{call_id}", gw.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(call["display"], "Team A");
    assert_eq!(call["state"], "connected");

    let all = vn.get("/v1/conferences").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    vn.stop().await;
    gw.stop().await;
}
