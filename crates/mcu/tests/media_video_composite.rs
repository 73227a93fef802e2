//! Continuous presence through the real MCU: two callers send red and blue; each receives one
//! H.264 stream that ffmpeg (the oracle) decodes to the 1+1 layout with red on the left and
//! blue on the right; the room's layout set through the API changes the picture at once.

mod common;

use std::time::Duration;

use common::party::{annex_b, ffmpeg_h264, have_ffmpeg, join, mean_rgb, start_h323, wait_for};
use media::video::{Rgb, CIF};
use serde_json::json;

fn is_red(c: [u8; 3]) -> bool {
    c[0] > 180 && c[1] < 80 && c[2] < 80
}

fn is_blue(c: [u8; 3]) -> bool {
    c[2] > 180 && c[0] < 80 && c[1] < 80
}

fn is_background(c: [u8; 3]) -> bool {
    c.iter().all(|&v| v < 64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_callers_see_each_other_side_by_side() {
    if !have_ffmpeg("two_callers_see_each_other_side_by_side") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (mcu, h323) = start_h323(common::config(dir.path())).await;
    mcu.http
        .post(mcu.url("/v1/rooms"))
        .json(&json!({"number": "600"}))
        .send()
        .await
        .unwrap();
    let a = join(h323, "600", "red", 440.0, Some(Rgb::new(220, 20, 20)), 21).await;
    let b = join(h323, "600", "blue", 660.0, Some(Rgb::new(20, 20, 220)), 22).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (w, h) = CIF;
    for (who, p) in [("red", &a), ("blue", &b)] {
        let pics = ffmpeg_h264(dir.path(), &annex_b(&p.video()), w, h);
        assert!(pics.len() >= 5, "{who} decoded {} pictures", pics.len());
        let last = pics.last().unwrap();
        // 1+1: tiles (0,72) and (176,72), 176×144; sample corners away from the labels.
        let left = mean_rgb(last, w, 8, 80, 40, 24);
        let right = mean_rgb(last, w, 184, 80, 40, 24);
        let top = mean_rgb(last, w, 8, 8, 330, 50);
        assert!(is_red(left), "{who}: left tile {left:?}");
        assert!(is_blue(right), "{who}: right tile {right:?}");
        assert!(is_background(top), "{who}: band above the tiles {top:?}");
    }
    let room = mcu.get("/v1/rooms/600").await;
    assert_eq!(room["media"]["layout"], "1+1", "{room}");
    assert_eq!(room["media"]["layout_setting"], "auto");
    assert_eq!(room["media"]["encoder"]["width"], 352);
    assert_eq!(room["media"]["encoder"]["fps"], 15.0);
    for p in room["participants"].as_array().unwrap() {
        let v = &p["media"]["video"];
        assert!(v["packets_in"].as_u64().unwrap() > 10, "{p}");
        assert!(v["packets_out"].as_u64().unwrap() > 10, "{p}");
        assert_eq!(v["payload_type_out"], 109, "{p}");
        assert!(p["media"]["pictures_decoded"].as_u64().unwrap() > 5, "{p}");
    }

    // The operator forces 2×2: the two pictures move to the top row at once.
    let r = mcu
        .http
        .patch(mcu.url("/v1/rooms/600"))
        .json(&json!({"layout": "2x2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["layout"], "2x2");
    let mark = a.video().len();
    assert!(wait_for(Duration::from_secs(5), || a.video().len() > mark + 20).await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pics = ffmpeg_h264(dir.path(), &annex_b(&a.video()), w, h);
    let last = pics.last().unwrap();
    assert!(is_red(mean_rgb(last, w, 8, 8, 40, 24)), "2x2 top left");
    assert!(is_blue(mean_rgb(last, w, 184, 8, 40, 24)), "2x2 top right");
    assert!(
        is_background(mean_rgb(last, w, 8, 152, 330, 120)),
        "2x2 bottom row empty"
    );
    let room = mcu.get("/v1/rooms/600").await;
    assert_eq!(room["media"]["layout"], "2x2");
    assert_eq!(room["layout"], "2x2");
    let bad = mcu
        .http
        .patch(mcu.url("/v1/rooms/600"))
        .json(&json!({"layout": "5x5"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422, "unknown layout refused");
    a.leave().await;
    b.leave().await;
    mcu.stop().await;
}
