//! Room PINs through the real MCU: a caller into a room with a PIN is answered but kept out of
//! the room's media (nothing sent to it, not mixed, not in the media view) and listed
//! `awaiting_pin` until it keys the PIN as H.245 userInput; then it is admitted, told with
//! terminalNumberAssign, and its media joins. A wrong PIN or none in time releases the call with
//! cause 21. A room without a PIN sends no terminalNumberAssign.

mod common;

use std::time::Duration;

use common::party::{join, start_h323, wait_for, Party};
use h323_tokio::Command;
use serde_json::Value;

fn state_of(room: &Value, name: &str) -> Option<String> {
    room["participants"]
        .as_array()?
        .iter()
        .find(|p| p["alias"] == name)
        .map(|p| p["state"].as_str().unwrap_or_default().to_owned())
}

fn key(p: &Party, keys: &str) {
    for k in keys.chars() {
        let _ = p.commands.send(Command::UserInput(k.to_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_callers_who_key_the_pin_get_into_the_rooms_media() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.pin_timeout = Duration::from_secs(3);
    let (mcu, h323) = start_h323(config).await;
    for body in [
        serde_json::json!({"number": "600", "pin": "4321"}),
        serde_json::json!({"number": "700"}),
    ] {
        let r = mcu
            .http
            .post(mcu.url("/v1/rooms"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }

    // Alice keys the PIN one key per indication, as a keypad does, and is admitted.
    let a = join(h323, "600", "alice", 440.0, None, 21).await;
    let room = mcu.get("/v1/rooms/600").await;
    assert_eq!(state_of(&room, "alice").as_deref(), Some("awaiting_pin"));
    key(&a, "4321");
    assert!(
        wait_for(Duration::from_secs(5), || a
            .terminal_number
            .lock()
            .unwrap()
            .is_some())
        .await,
        "no terminalNumberAssign after the right PIN"
    );
    assert_eq!(a.terminal_number.lock().unwrap().unwrap().0, 1);
    let room = mcu.get("/v1/rooms/600").await;
    assert_eq!(state_of(&room, "alice").as_deref(), Some("connected"));

    // Bob keys nothing yet: answered, but the room sends him nothing and does not count him.
    let b = join(h323, "600", "bob", 660.0, None, 22).await;
    assert!(
        wait_for(Duration::from_secs(5), || a.audio().len() > 25).await,
        "alice gets the room's audio"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(
        b.audio().is_empty() && b.video().is_empty(),
        "bob got media"
    );
    assert!(b.terminal_number.lock().unwrap().is_none());
    let room = mcu.get("/v1/rooms/600").await;
    assert_eq!(state_of(&room, "bob").as_deref(), Some("awaiting_pin"));
    let media_ids: Vec<&String> = room["media"]["participants"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(media_ids.len(), 1, "only alice is in the media: {room}");
    assert!(room.get("pin").is_none(), "the PIN is never served");

    // Bob keys it as one alphanumeric string with `#`: admitted, and now the room's media flows.
    let _ = b.commands.send(Command::UserInput("4321#".into()));
    assert!(
        wait_for(Duration::from_secs(5), || !b.audio().is_empty()).await,
        "bob gets no media after the right PIN"
    );
    assert!(b.terminal_number.lock().unwrap().is_some());
    let mut both = false;
    for _ in 0..50 {
        let room = mcu.get("/v1/rooms/600").await;
        if room["media"]["participants"].as_object().unwrap().len() == 2 {
            assert_eq!(state_of(&room, "bob").as_deref(), Some("connected"));
            both = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(both, "bob never joined the room's media");

    // Carol keys a wrong PIN, Dave nothing: both released with cause 21 and gone, never
    // having received media.
    let c = join(h323, "600", "carol", 880.0, None, 23).await;
    let d = join(h323, "600", "dave", 990.0, None, 24).await;
    key(&c, "1111");
    assert_eq!(
        c.released_within(Duration::from_secs(5)).await,
        Some(21),
        "a wrong PIN is released with cause 21"
    );
    assert_eq!(
        d.released_within(Duration::from_secs(10)).await,
        Some(21),
        "no PIN is released with cause 21 at the PIN timeout"
    );
    assert!(c.audio().is_empty() && d.audio().is_empty());
    assert!(c.terminal_number.lock().unwrap().is_none());
    let room = mcu.get("/v1/rooms/600").await;
    assert_eq!(state_of(&room, "carol"), None, "{room}");
    assert_eq!(state_of(&room, "dave"), None, "{room}");
    assert_eq!(room["participant_count"], 2, "{room}");

    // A room without a PIN: in at Connect, media at once, and no terminalNumberAssign (nothing
    // sent that was not sent before PINs existed).
    let e = join(h323, "700", "erin", 440.0, None, 25).await;
    let mut connected = false;
    for _ in 0..50 {
        let room = mcu.get("/v1/rooms/700").await;
        if state_of(&room, "erin").as_deref() == Some("connected") {
            connected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(connected, "erin is not connected");
    assert!(
        wait_for(Duration::from_secs(5), || e.audio().len() > 25).await,
        "erin gets the room's audio"
    );
    assert!(e.terminal_number.lock().unwrap().is_none());

    for p in [a, b, c, d, e] {
        p.leave().await;
    }
    mcu.stop().await;
}
