//! Admission through the registry, the participant list, kicking, room deletion and shutdown
//! releasing calls.

mod common;

use mcu::registry::{LeaveCause, ParticipantCommand};
use serde_json::json;
use service::release::ReleaseReason;

#[tokio::test]
async fn participants_are_listed_kicked_and_refused_by_the_room_rules() {
    let dir = tempfile::tempdir().unwrap();
    let mcu = common::start(common::config(dir.path())).await;
    mcu.http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "1234", "max_participants": 2}))
        .send()
        .await
        .unwrap();

    let a = common::call(&mcu.rooms, "1234", 40001).await.unwrap();
    let b = common::call(&mcu.rooms, "1234", 40002).await.unwrap();
    let full = common::call(&mcu.rooms, "1234", 40003).await.err().unwrap();
    assert_eq!(
        (full.q850_cause, full.h225_reason),
        (17, ReleaseReason::InConf)
    );
    let unknown = common::call(&mcu.rooms, "9999", 40004).await.err().unwrap();
    assert_eq!(
        (unknown.q850_cause, unknown.h225_reason),
        (1, ReleaseReason::CalledPartyNotRegistered)
    );

    let room = mcu.get("/v1/rooms/1234").await;
    assert_eq!(room["participant_count"], 2);
    let p = &room["participants"][0];
    assert_eq!(p["id"], a.id);
    assert_eq!(p["alias"], "caller 40001");
    assert_eq!(p["aliases"], json!(["VN 40001"]));
    assert_eq!(p["address"], "127.0.0.1:40001");
    assert_eq!(p["codecs"], json!(["PCMU", "H.264"]));
    assert_eq!(p["state"], "connected");
    assert!(p["connected_at"].is_string());

    let r = mcu
        .http
        .delete(mcu.url(&format!("/v1/rooms/1234/participants/{}", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let cmd = a.released.await.unwrap();
    assert_eq!(
        cmd,
        ParticipantCommand::Release {
            q850_cause: 16,
            h225_reason: None,
            why: LeaveCause::Kicked
        }
    );
    let room = mcu.get("/v1/rooms/1234").await;
    assert_eq!(room["participant_count"], 1);
    assert_eq!(room["participants"][0]["id"], b.id);
    let r = mcu
        .http
        .delete(mcu.url(&format!("/v1/rooms/1234/participants/{}", a.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Locked: existing participants stay, new callers are refused with cause 21.
    mcu.http
        .patch(mcu.url("/v1/rooms/1234"))
        .json(&json!({"locked": true}))
        .send()
        .await
        .unwrap();
    let locked = common::call(&mcu.rooms, "1234", 40005).await.err().unwrap();
    assert_eq!(
        (locked.q850_cause, locked.h225_reason),
        (21, ReleaseReason::DestinationRejection)
    );
    assert_eq!(mcu.get("/v1/rooms/1234").await["participant_count"], 1);

    // Deleting the room releases whoever is left.
    let r = mcu
        .http
        .delete(mcu.url("/v1/rooms/1234"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    match b.released.await.unwrap() {
        ParticipantCommand::Release {
            why, q850_cause, ..
        } => {
            assert_eq!((why, q850_cause), (LeaveCause::RoomDeleted, 16));
        }
        other => panic!("{other:?}"),
    }
    mcu.stop().await;
}

#[tokio::test]
async fn shutdown_releases_every_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.auto_create_rooms = true;
    let mcu = common::start(config).await;
    let a = common::call(&mcu.rooms, "4242", 40010).await.unwrap();
    assert_eq!(
        mcu.get("/v1/rooms/4242").await["participant_count"],
        1,
        "auto-created"
    );
    let rooms = mcu.rooms.clone();
    mcu.stop().await;
    match a.released.await.unwrap() {
        ParticipantCommand::Release { why, .. } => assert_eq!(why, LeaveCause::Shutdown),
        other => panic!("{other:?}"),
    }
    assert_eq!(rooms.room("4242").unwrap().participant_count, 0);
}

#[tokio::test]
async fn the_last_place_goes_to_one_caller_only() {
    let dir = tempfile::tempdir().unwrap();
    let mcu = common::start(common::config(dir.path())).await;
    mcu.http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "7", "max_participants": 5}))
        .send()
        .await
        .unwrap();
    let tries = (0..20u16).map(|i| {
        let rooms = mcu.rooms.clone();
        tokio::spawn(async move { common::call(&rooms, "7", 41000 + i).await.is_ok() })
    });
    let mut admitted = 0;
    for t in tries {
        admitted += usize::from(t.await.unwrap());
    }
    assert_eq!(admitted, 5);
    assert_eq!(mcu.get("/v1/rooms/7").await["participant_count"], 5);
    mcu.stop().await;
}
