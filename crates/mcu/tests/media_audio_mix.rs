//! N−1 audio mixing through the real MCU: each caller hears the others' tones and not its own.
//! What the MCU sent is decoded by ffmpeg (the oracle) and measured with Goertzel.

mod common;

use std::time::Duration;

use common::party::{ffmpeg_g711, g711_payloads, have_ffmpeg, join, start_h323, Got, Party};
use h323::h245::session::Direction;
use media::g711::Law;
use media::tone::goertzel_power;

/// Median tone amplitude over 200 ms windows of what `p` received after `from` datagrams.
fn amplitudes(dir: &std::path::Path, p: &Party, from: usize, freqs: &[f64]) -> Vec<f64> {
    let got: Vec<Got> = p.audio()[from..].to_vec();
    let (bytes, pt) = g711_payloads(&got);
    let want_pt = p.channel(Direction::Receive, false).codec.payload_type();
    assert_eq!(pt, Some(want_pt), "payload type of the MCU's audio");
    let law = Law::from_payload_type(want_pt).unwrap();
    let pcm = ffmpeg_g711(dir, law, &bytes);
    assert!(
        pcm.len() >= 8 * 1600,
        "too little audio: {} samples",
        pcm.len()
    );
    freqs
        .iter()
        .map(|&hz| {
            let mut a: Vec<f64> = pcm
                .chunks_exact(1600)
                .map(|w| goertzel_power(w, hz, 8000).sqrt())
                .collect();
            a.sort_by(f64::total_cmp);
            a[a.len() / 2]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_caller_hears_the_others_and_not_itself() {
    if !have_ffmpeg("each_caller_hears_the_others_and_not_itself") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.auto_create_rooms = true;
    let (mcu, h323) = start_h323(config).await;
    let a = join(h323, "500", "alice", 440.0, None, 11).await;
    let b = join(h323, "500", "bob", 660.0, None, 12).await;
    // Past the jitter buffers' start, then two seconds of steady mix.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (ma, mb) = (a.audio().len(), b.audio().len());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let heard_a = amplitudes(dir.path(), &a, ma, &[440.0, 660.0]);
    let heard_b = amplitudes(dir.path(), &b, mb, &[440.0, 660.0]);
    // Sent at amplitude 8000; G.711 twice costs a few percent.
    assert!(
        heard_a[1] > 6000.0 && heard_a[0] < 400.0,
        "alice hears {heard_a:?}"
    );
    assert!(
        heard_b[0] > 6000.0 && heard_b[1] < 400.0,
        "bob hears {heard_b:?}"
    );

    let c = join(h323, "500", "carol", 1000.0, None, 13).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (ma, mc) = (a.audio().len(), c.audio().len());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let heard_c = amplitudes(dir.path(), &c, mc, &[440.0, 660.0, 1000.0]);
    assert!(
        heard_c[0] > 6000.0 && heard_c[1] > 6000.0 && heard_c[2] < 400.0,
        "carol hears {heard_c:?}"
    );
    let heard_a = amplitudes(dir.path(), &a, ma, &[440.0, 660.0, 1000.0]);
    assert!(
        heard_a[0] < 400.0 && heard_a[1] > 6000.0 && heard_a[2] > 6000.0,
        "alice hears {heard_a:?}"
    );

    // Bob leaves: the others stop hearing him at once.
    b.leave().await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let ma = a.audio().len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let heard_a = amplitudes(dir.path(), &a, ma, &[660.0, 1000.0]);
    assert!(
        heard_a[0] < 400.0 && heard_a[1] > 6000.0,
        "alice after bob left hears {heard_a:?}"
    );
    let room = mcu.get("/v1/rooms/500").await;
    assert_eq!(room["participant_count"], 2);
    for p in room["participants"].as_array().unwrap() {
        let audio = &p["media"]["audio"];
        assert!(audio["packets_in"].as_u64().unwrap() > 100, "{p}");
        assert!(audio["packets_out"].as_u64().unwrap() > 100, "{p}");
        assert_eq!(audio["lost"], 0, "{p}");
        assert!(audio["jitter_ms"].is_number(), "{p}");
    }
    a.leave().await;
    c.leave().await;
    mcu.stop().await;
}
