//! Rooms from the config file are seeded once; rooms and changes made through the API survive a
//! restart.

mod common;

use mcu::config::RoomSpec;
use serde_json::json;

#[tokio::test]
async fn rooms_survive_restart_and_config_only_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.rooms = vec![RoomSpec {
        number: "1234".into(),
        name: Some("From config".into()),
        max_participants: Some(5),
        locked: false,
        pin: None,
    }];
    let mcu = common::start(config.clone()).await;
    assert_eq!(mcu.get("/v1/rooms/1234").await["name"], "From config");
    mcu.http
        .patch(mcu.url("/v1/rooms/1234"))
        .json(&json!({"name": "Renamed", "locked": true}))
        .send()
        .await
        .unwrap();
    let r = mcu
        .http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "5678"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    mcu.stop().await;

    let mcu = common::start(config).await;
    let room = mcu.get("/v1/rooms/1234").await;
    assert_eq!(
        room["name"], "Renamed",
        "the database wins over the config seed"
    );
    assert_eq!(room["locked"], true);
    assert_eq!(room["max_participants"], 5);
    let room = mcu.get("/v1/rooms/5678").await;
    assert_eq!(room["max_participants"], 16, "default capacity");
    assert_eq!(mcu.get("/v1/rooms").await.as_array().unwrap().len(), 2);
    mcu.stop().await;
}

#[tokio::test]
async fn the_layout_is_set_patched_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::config(dir.path());
    let mcu = common::start(config.clone()).await;
    let r = mcu
        .http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "77", "layout": "3x3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let room = mcu.get("/v1/rooms/77").await;
    assert_eq!(room["layout"], "3x3");
    assert_eq!(
        room["media"]["layout"], "3x3",
        "the forced layout is the one in use"
    );
    assert_eq!(room["media"]["encoder"]["width"], 352);
    let r = mcu
        .http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "78", "layout": "4x4"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "unknown layout refused");
    let r = mcu
        .http
        .patch(mcu.url("/v1/rooms/77"))
        .json(&json!({"layout": "1+1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    mcu.stop().await;

    let mcu = common::start(config).await;
    let room = mcu.get("/v1/rooms/77").await;
    assert_eq!(room["layout"], "1+1");
    mcu.http
        .patch(mcu.url("/v1/rooms/77"))
        .json(&json!({"layout": "auto"}))
        .send()
        .await
        .unwrap();
    let room = mcu.get("/v1/rooms/77").await;
    assert_eq!(room["layout"], "auto");
    assert_eq!(
        room["media"]["layout"], "1",
        "auto with nobody in: one picture"
    );
    mcu.stop().await;
}
