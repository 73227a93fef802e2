//! Loss injection on the VN leg: a seeded test relay between the VN side and the gateway drops
//! about 5 % of the VN side's audio, holds some packets back (reordering) and duplicates some.
//! The gateway's statistics report the loss, and what reaches the MCU stays one continuous
//! stream (one SSRC, sequence numbers that only skip the dropped packets, the tone intact in the
//! frames that arrived, decoded by ffmpeg).

mod media_support;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use gateway::h323::H323Dialer;
use gateway::{Config, Server};
use media::g711::Law;
use media_support::*;
use service::shutdown::Shutdown;

const PACKETS: u16 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loss_is_reported_and_the_stream_stays_continuous() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        http: "127.0.0.1:0".into(),
        data: dir.path().to_path_buf(),
        call_timeout: Duration::from_secs(10),
        ..Config::default()
    };
    let server = Server::bind(config, Arc::new(H323Dialer::default()))
        .await
        .unwrap();
    let base = format!("http://{}", server.http_addr());
    let shutdown = Shutdown::new();
    let running = tokio::spawn(server.serve(shutdown.clone()));
    let http = reqwest::Client::new();

    let mcu = answerer(10, 0).await;
    let vn = VnPeer::bind().await;
    let r = http
        .post(format!("{base}/v1/calls"))
        .json(&serde_json::json!({
            "dial": format!("801234@{}", mcu.addr),
            "media": vn.media_json(),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let call: serde_json::Value = r.json().await.unwrap();
    let id = call["id"].as_str().unwrap().to_owned();
    let gw_audio = addr(&call["media"]["audio"]["rtp"]);
    let (lossy, dropped) = impairing_relay(gw_audio, 0x5eed, 5).await;

    send_tone(
        vn.audio_rtp.clone(),
        lossy,
        Law::Ulaw,
        660.0,
        0x0b0b_0001,
        PACKETS,
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dropped = dropped.load(Ordering::SeqCst) as i64;
    assert!(dropped > 0, "the seeded relay dropped packets");

    let rec: serde_json::Value = http
        .get(format!("{base}/v1/calls/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let st = &rec["media_stats"]["to_mcu"]["audio"];
    // RFC 3550 A.3: lost = expected − received, where duplicates count as received.
    let lost = st["lost"].as_i64().unwrap();
    assert!(lost > 0, "{st}");
    assert!(lost <= dropped, "lost {lost} of {dropped} dropped: {st}");

    let got = mcu.audio.lock().unwrap().clone();
    let ssrcs: BTreeSet<u32> = got.iter().map(|p| p.ssrc).collect();
    assert_eq!(ssrcs.len(), 1, "one outgoing stream");
    // Offsets stay fixed within the source: the received sequence numbers span no more than
    // what was sent, so gaps are exactly the dropped packets (no restarts, no jumps).
    let seqs: BTreeSet<u16> = got.iter().map(|p| p.seq).collect();
    let first = *seqs.iter().next().unwrap();
    let span = seqs.iter().map(|s| s.wrapping_sub(first)).max().unwrap() + 1;
    assert!(span <= PACKETS, "span {span}");
    let missing = i64::from(span) - seqs.len() as i64;
    assert!(missing <= dropped, "{missing} holes for {dropped} dropped");
    assert!(seqs.len() as i64 >= i64::from(PACKETS) - dropped);
    if have("ffmpeg", "loss_is_reported_and_the_stream_stays_continuous") {
        let pcm = ffmpeg_g711("alaw", &payloads_in_order(&got));
        let share = tone_share(&pcm, 660.0, 440.0);
        assert!(share > 0.9, "660 Hz in {share:.2} of the received frames");
    }

    shutdown.trigger();
    running.await.unwrap().unwrap();
}
