//! Issue 5's loss check for video, end to end with nothing in-process but the lossy path: the
//! three servers and two peers as processes (`cascade endpoint` in MCU room 1234 with a 440 Hz
//! tone and a red pattern, `cascade terminal` in a VN conference cascaded to the room), and a
//! seeded relay on every media socket of the terminal (`e2e_support::lossy`) that, after a
//! clean start, drops about 5 % of the datagrams both ways, holds some back behind the next one
//! and sends some twice.
//!
//! The terminal loses pictures, asks by RTCP PLI, vnet passes the PLI to the cascade's gateway
//! leg, the gateway turns it into H.245 videoFastUpdatePicture, the MCU answers with an IDR,
//! and the terminal decodes again. Checked from evidence outside the terminal's decoder:
//!
//! - ffprobe decodes the terminal's recording: keyframes after the first dropped video packet,
//!   and pictures in its last second;
//! - the MCU's `GET /v1/rooms/1234` counts more videoFastUpdatePicture from the cascade than
//!   before the loss began, and more IDRs encoded;
//! - the relay carried the terminal's PLIs up; the terminal's report counts its intra requests,
//!   the times decoding stopped and the times it resumed at a keyframe;
//! - the audio ffmpeg decodes from the recording has no silent gap longer than 60 ms (the
//!   terminal conceals a lost 20 ms frame with silence and the dice never drop three in a row).

mod e2e_support;
mod peer_support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e_support::lossy::{Impairment, LossyPath};
use e2e_support::*;
use peer_support::*;
use serde_json::Value;

const SEED: u64 = 0x5eed_0005;
/// How long the terminal stays; the loss begins `CLEAN` after it joined.
const TERMINAL_S: u64 = 8;
const CLEAN: Duration = Duration::from_millis(2500);
/// A silent stretch longer than this while the tone plays is a gap concealment did not cover.
const MAX_GAP_MS: usize = 60;

/// (pts in seconds, keyframe) of every picture ffprobe decodes from the file's video.
fn decoded_pictures(path: &Path) -> Vec<(f64, bool)> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=pts_time,key_frame",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["frames"]
        .as_array()
        .map(|frames| {
            frames
                .iter()
                .filter_map(|f| {
                    let pts = f["pts_time"].as_str()?.parse().ok()?;
                    Some((pts, f["key_frame"] == 1))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The longest run of near-silent samples, in samples.
fn longest_silence(samples: &[i16]) -> usize {
    let (mut longest, mut run) = (0, 0);
    for &s in samples {
        if s.unsigned_abs() < 64 {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// The participant of room view `room` whose alias is not `not`: the cascade's gateway leg.
fn other_participant<'a>(room: &'a Value, not: &str) -> &'a Value {
    room["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["alias"] != not)
        .unwrap_or_else(|| panic!("no participant besides {not}: {room}"))
}

/// (videoFastUpdatePicture received from the cascade, IDRs encoded) in the room.
fn fast_updates_and_keyframes(room: &Value, endpoint: &str) -> (u64, u64) {
    let cascade = other_participant(room, endpoint);
    (
        cascade["media"]["fast_updates_received"]
            .as_u64()
            .unwrap_or_else(|| panic!("no fast update figure: {cascade}")),
        room["media"]["encoder"]["keyframes"].as_u64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vn_terminal_video_recovers_by_fast_update_under_loss() {
    if !ffmpeg_available("e2e_video_recovery") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let servers = Servers::start(dir.path()).await;
    servers.create_room("1234").await;
    let conference = servers.create_conference("VN under loss").await;
    let endpoint = run_peer(strings(&[
        "endpoint",
        "--dial",
        &format!("1234@127.0.0.1:{}", servers.h323),
        "--name",
        "room-endpoint",
        "--tone",
        "440",
        "--color",
        "red",
        "--duration",
        &(TERMINAL_S + 7).to_string(),
        "--json",
    ]));
    servers.wait_participants("1234", 1).await;
    servers.cascade(&conference, "1234").await;
    servers.wait_participants("1234", 2).await;

    let rtp = Impairment {
        drop: 5,
        reorder: 3,
        duplicate: 3,
    };
    let (front, path) = LossyPath::start(&servers.vnet, SEED, rtp, rtp).await;
    let recording = dir.path().join("terminal.mkv");
    let terminal = run_peer(strings(&[
        "terminal",
        "--vnet",
        &front,
        "--conference",
        &conference,
        "--name",
        "vn-terminal",
        "--record",
        recording.to_str().unwrap(),
        "--duration",
        &TERMINAL_S.to_string(),
        "--json",
    ]));
    let deadline = Instant::now() + Duration::from_secs(20);
    let joined = loop {
        if let Some(t) = *path.joined.lock().unwrap() {
            break t;
        }
        assert!(Instant::now() < deadline, "the terminal never joined");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(CLEAN.saturating_sub(joined.elapsed())).await;
    let before = fast_updates_and_keyframes(&servers.room("1234").await, "room-endpoint");
    path.impair();

    let terminal = tokio::task::spawn_blocking(move || terminal.join().unwrap())
        .await
        .unwrap();
    let terminal = report(&terminal);
    println!("terminal: {terminal}");
    // The MCU's figures are refreshed a few times a second; the endpoint and the cascade are
    // still in the room.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let room = servers.room("1234").await;
    let after = fast_updates_and_keyframes(&room, "room-endpoint");
    let endpoint = tokio::task::spawn_blocking(move || endpoint.join().unwrap())
        .await
        .unwrap();
    println!("endpoint: {}", report(&endpoint));

    // The path did what it was set up to do.
    let (audio, video, video_rtcp) = (
        path.relay("audio", "rtp"),
        path.relay("video", "rtp"),
        path.relay("video", "rtcp"),
    );
    let n = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::SeqCst);
    println!(
        "relay: video down {} forwarded, {} dropped, {} reordered, {} duplicated; audio down {} dropped (longest run {}); {} PLI up",
        n(&video.down.forwarded),
        n(&video.down.dropped),
        n(&video.down.reordered),
        n(&video.down.duplicated),
        n(&audio.down.dropped),
        n(&audio.down.longest_drop_run),
        n(&video_rtcp.up.intra_requests),
    );
    assert!(n(&video.down.dropped) > 0 && n(&audio.down.dropped) > 0);
    assert!(n(&video.down.reordered) > 0 && n(&video.down.duplicated) > 0);
    assert!(
        n(&audio.down.longest_drop_run) * 20 < MAX_GAP_MS as u64,
        "the seed drops too many audio packets in a row for the gap check to mean anything"
    );
    let first_loss = video.down.first_drop.lock().unwrap().expect("a video drop");
    let loss_s = first_loss.duration_since(joined).as_secs_f64();

    // The terminal lost pictures, asked for intra pictures and decoded again.
    let v = &terminal["video"];
    let count = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    assert!(count("pictures_dropped") > 0, "{v}");
    assert!(count("interruptions") > 0, "{v}");
    assert!(count("recoveries") > 0, "{v}");
    assert!(count("recoveries") + 1 >= count("interruptions"), "{v}");
    assert!(count("intra_requests_sent") > 0, "{v}");
    assert!(
        n(&video_rtcp.up.intra_requests) > 0,
        "the terminal's PLIs went up through the lossy path"
    );

    // The MCU heard them as videoFastUpdatePicture from the cascade and sent IDRs.
    assert!(
        after.0 > before.0,
        "fast updates from the cascade: {} before the loss, {} after: {room}",
        before.0,
        after.0
    );
    assert!(after.1 > before.1, "IDRs encoded: {before:?} → {after:?}");

    // ffprobe decodes keyframes after the first lost video packet, and pictures to the end.
    // The recording ends with its audio (our muxer writes no duration): the audio track's
    // start plus what ffmpeg decodes of it.
    let probed = probe(&recording);
    let audio_start: f64 = stream(&probed, "audio")
        .and_then(|a| a["start_time"].as_str())
        .and_then(|t| t.parse().ok())
        .expect("the audio track's start");
    let heard = decoded_audio(&recording);
    let end = audio_start + heard.len() as f64 / 8000.0;
    let pictures = decoded_pictures(&recording);
    let recovered: Vec<f64> = pictures
        .iter()
        .filter(|&&(pts, key)| key && pts > loss_s + 0.1)
        .map(|&(pts, _)| pts)
        .collect();
    assert!(
        !recovered.is_empty(),
        "no keyframe decoded after the first loss at {loss_s:.2} s: {pictures:?}"
    );
    let last_second = pictures.iter().filter(|&&(pts, _)| pts > end - 1.0).count();
    assert!(
        last_second > 0,
        "no picture decoded in the last second (to {end:.2} s); keyframes after the loss at {recovered:?}"
    );

    // Audio stayed continuous: no silent gap longer than concealment covers once sound began.
    let heard = skip_silence(&heard);
    assert!(heard.len() > 4 * 8000, "{} samples of audio", heard.len());
    assert!(tone_share(heard, 440.0) > 0.5, "the room's tone");
    let gap = longest_silence(heard);
    println!(
        "MCU (fast updates from the cascade, IDRs): {before:?} before the loss, {after:?} after; \
         first video loss at {loss_s:.2} s, keyframes decoded after it at {recovered:?}, \
         {last_second} pictures in the last second to {end:.2} s; longest audio silence {} ms",
        gap / 8
    );
    assert!(
        gap * 1000 / 8000 <= MAX_GAP_MS,
        "a silent gap of {} ms",
        gap / 8
    );
}
