//! Fast update through the real MCU: a caller's videoFastUpdatePicture makes the room encoder
//! emit an IDR, and the MCU asks a caller for a picture when it gets none.

mod common;

use std::time::{Duration, Instant};

use common::party::{join, start_h323, wait_for, Got};
use h323::h245::session::Direction;
use h323_tokio::Command;
use media::h264::Depacketizer;
use media::rtcp::{build_compound, Pli, ReceiverReport, RtcpPacket};
use media::rtp::RtpPacket;
use media::video::Rgb;

/// Access units in `got`: (arrival of their last packet, IDR).
fn access_units(got: &[Got]) -> Vec<(Instant, bool)> {
    let mut d = Depacketizer::new();
    let mut out = Vec::new();
    for g in got {
        if let Ok(p) = RtpPacket::parse(&g.bytes) {
            let _ = d.push(p.sequence, p.timestamp, p.marker, p.payload);
        }
        while let Some(au) = d.pop() {
            out.push((g.at, au.keyframe));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_update_request_gets_an_idr() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.auto_create_rooms = true;
    let (mcu, h323) = start_h323(config).await;
    let a = join(h323, "700", "red", 440.0, Some(Rgb::new(220, 20, 20)), 31).await;
    let b = join(h323, "700", "blue", 660.0, Some(Rgb::new(20, 20, 220)), 32).await;
    // Past the IDRs that start the stream for each new receiver.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let asked = Instant::now();
    let channel = a.channel(Direction::Receive, true).number;
    a.commands.send(Command::FastUpdate(channel)).unwrap();
    assert!(
        wait_for(Duration::from_secs(3), || {
            access_units(&a.video())
                .iter()
                .filter(|(t, _)| *t > asked)
                .count()
                >= 3
        })
        .await
    );
    let aus = access_units(&a.video());
    let before: Vec<bool> = aus
        .iter()
        .filter(|(t, _)| *t <= asked && asked.duration_since(*t) < Duration::from_secs(1))
        .map(|(_, k)| *k)
        .collect();
    assert!(before.len() >= 5, "a steady stream before the request");
    assert!(
        before.iter().all(|k| !k),
        "no IDR in the second before the request: {before:?}"
    );
    let after: Vec<bool> = aus
        .iter()
        .filter(|(t, _)| *t > asked)
        .map(|(_, k)| *k)
        .collect();
    // The first access unit after the request is the IDR, unless one picture was already on
    // its way while the request crossed H.245: then the next one is.
    assert!(
        after[0] || after[1],
        "IDR right after the request: {after:?}"
    );
    // The room's figures count the request against the participant that made it (the cascade
    // tests read this to see a VN terminal's PLI arrive as videoFastUpdatePicture), and an RTCP
    // PLI on a participant's video RTCP port separately.
    let mcu_rtcp = b
        .channel(Direction::Receive, true)
        .remote_rtcp
        .expect("the MCU's video RTCP address");
    let pli = build_compound(&[
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 0x0b0b_0b0b,
            reports: Vec::new(),
        }),
        RtcpPacket::Pli(Pli {
            sender_ssrc: 0x0b0b_0b0b,
            media_ssrc: 0,
        }),
    ])
    .unwrap();
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    sock.send_to(&pli, mcu_rtcp).await.unwrap();
    let figure = |room: &serde_json::Value, alias: &str, key: &str| {
        room["participants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["alias"] == alias)
            .map_or(0, |p| p["media"][key].as_u64().unwrap())
    };
    let mut counted = [0; 4];
    for _ in 0..20 {
        let room = mcu.get("/v1/rooms/700").await;
        counted = [
            figure(&room, "red", "fast_updates_received"),
            figure(&room, "blue", "fast_updates_received"),
            figure(&room, "red", "pli_fir_received"),
            figure(&room, "blue", "pli_fir_received"),
        ];
        if counted[0] >= 1 && counted[3] >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        counted,
        [1, 0, 0, 1],
        "fast updates (red, blue), PLI/FIR (red, blue) received"
    );
    a.leave().await;
    b.leave().await;
    mcu.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mcu_asks_a_silent_camera_for_a_picture() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.auto_create_rooms = true;
    let (mcu, h323) = start_h323(config).await;
    // Opens a video channel towards the MCU but sends no video.
    let a = join(h323, "701", "mute", 440.0, None, 41).await;
    let asked = a.fast_updates_from_mcu.clone();
    assert!(
        wait_for(Duration::from_secs(5), || *asked.lock().unwrap() >= 1).await,
        "videoFastUpdatePicture from the MCU"
    );
    // The API's figures are refreshed a few times a second.
    let mut shown = 0;
    for _ in 0..20 {
        let room = mcu.get("/v1/rooms/701").await;
        shown = room["participants"][0]["media"]["fast_updates_sent"]
            .as_u64()
            .unwrap();
        if shown >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(shown >= 1, "the API counts the request");
    a.leave().await;
    mcu.stop().await;
}
