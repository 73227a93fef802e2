//! Room CRUD through /v1/rooms, with problem+json errors.

mod common;

use serde_json::{json, Value};

async fn problem(r: reqwest::Response, status: u16) -> Value {
    assert_eq!(r.status().as_u16(), status);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    r.json().await.unwrap()
}

#[tokio::test]
async fn create_read_update_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mcu = common::start(common::config(dir.path())).await;
    let r = mcu
        .http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "1234", "name": "Weekly", "max_participants": 3, "pin": "4321"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["location"], "/v1/rooms/1234");
    let room: Value = r.json().await.unwrap();
    assert_eq!(room["number"], "1234");
    assert_eq!(room["name"], "Weekly");
    assert_eq!(room["max_participants"], 3);
    assert_eq!(room["locked"], false);
    assert_eq!(room["has_pin"], true);
    assert!(room.get("pin").is_none(), "the PIN is never served");
    assert_eq!(room["participants"], json!([]));

    let r = mcu
        .http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "1234"}))
        .send()
        .await
        .unwrap();
    problem(r, 409).await;
    let r = mcu
        .http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "12 34"}))
        .send()
        .await
        .unwrap();
    let p = problem(r, 400).await;
    assert!(p["detail"].as_str().unwrap().contains("12 34"));
    let r = mcu
        .http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "5", "max_participants": 0}))
        .send()
        .await
        .unwrap();
    problem(r, 400).await;

    let r = mcu
        .http
        .patch(mcu.url("/v1/rooms/1234"))
        .json(&json!({"locked": true, "pin": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let room: Value = r.json().await.unwrap();
    assert_eq!(room["locked"], true);
    assert_eq!(room["has_pin"], false);
    assert_eq!(room["name"], "Weekly");

    let list = mcu.get("/v1/rooms").await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    let r = mcu
        .http
        .delete(mcu.url("/v1/rooms/1234"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = mcu
        .http
        .get(mcu.url("/v1/rooms/1234"))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    let r = mcu
        .http
        .patch(mcu.url("/v1/rooms/1234"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    let r = mcu
        .http
        .delete(mcu.url("/v1/rooms/1234"))
        .send()
        .await
        .unwrap();
    problem(r, 404).await;
    mcu.stop().await;
}
