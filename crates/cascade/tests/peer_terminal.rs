//! `cascade terminal` against an in-test axum server that implements the vnet terminals contract
//! (`POST/DELETE /v1/conferences/{id}/terminals`) with an RTP/RTCP mirror behind it: the terminal
//! must record its own tone and pattern (ffmpeg/ffprobe judge the file and the PNG), ask for an
//! intra picture by RTCP PLI (the mirror reflects it, so the terminal answers its own request),
//! and leave with DELETE; with one video packet dropped by the mirror, it must count the lost
//! picture and resume decoding at the IDR its PLI brought. Bad input gets clear errors.

mod peer_support;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, post};
use axum::{Json, Router};
use peer_support::*;
use serde_json::{json, Value};
use tokio::net::UdpSocket;
use tokio::sync::watch;

#[derive(Clone, Default)]
struct Vnet {
    /// Requests seen, in order: ("POST", body) or ("DELETE", terminal id).
    log: Arc<Mutex<Vec<(String, Value)>>>,
    /// Where the mirror sends: audio rtp, audio rtcp, video rtp, video rtcp.
    dests: Arc<Mutex<Vec<watch::Sender<Option<SocketAddr>>>>>,
    /// The mirror's own addresses, in the same order.
    ours: Arc<Mutex<Vec<SocketAddr>>>,
}

async fn join(
    State(v): State<Vnet>,
    Path(conference): Path<String>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    v.log.lock().unwrap().push(("POST".into(), body.clone()));
    if conference != "c1" {
        return (
            StatusCode::NOT_FOUND,
            Json(
                json!({"title": "not found", "detail": format!("conference {conference} does not exist")}),
            ),
        );
    }
    let m = &body["media"];
    let wanted = [
        &m["audio"]["rtp"],
        &m["audio"]["rtcp"],
        &m["video"]["rtp"],
        &m["video"]["rtcp"],
    ];
    for (tx, addr) in v.dests.lock().unwrap().iter().zip(wanted) {
        tx.send_replace(addr.as_str().and_then(|a| a.parse().ok()));
    }
    let ours = v.ours.lock().unwrap().clone();
    (
        StatusCode::CREATED,
        Json(json!({
            "id": "t-1",
            "name": body["name"],
            "media": {
                "audio": {"rtp": ours[0].to_string(), "rtcp": ours[1].to_string()},
                // rtcp left out on purpose: it is rtp + 1 by the contract.
                "video": {"rtp": ours[2].to_string()},
            },
            "audio": {"codec": "PCMU", "payload_type": 0},
            "video": {"codec": "H264", "payload_type": 96, "width": 352, "height": 288},
        })),
    )
}

async fn leave(State(v): State<Vnet>, Path((_, tid)): Path<(String, String)>) -> StatusCode {
    v.log.lock().unwrap().push(("DELETE".into(), json!(tid)));
    StatusCode::NO_CONTENT
}

/// Binds the mirror (even RTP port, RTCP next to it) and serves the contract; returns the URL.
async fn start_vnet() -> (String, Vnet) {
    start_vnet_dropping_video(None).await
}

/// [`start_vnet`] whose video RTP mirror drops its `nth` datagram.
async fn start_vnet_dropping_video(nth: Option<u64>) -> (String, Vnet) {
    let v = Vnet::default();
    let mut sockets = Vec::new();
    // Two RTP/RTCP pairs with RTCP on the RTP port + 1, as the contract's default needs.
    while sockets.len() < 4 {
        let rtp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = rtp.local_addr().unwrap().port();
        if let Ok(rtcp) = UdpSocket::bind(("127.0.0.1", port + 1)).await {
            sockets.push(rtp);
            sockets.push(rtcp);
        }
    }
    for (i, s) in sockets.into_iter().enumerate() {
        let (tx, rx) = watch::channel(None);
        v.ours.lock().unwrap().push(s.local_addr().unwrap());
        v.dests.lock().unwrap().push(tx);
        mirror_dropping(Arc::new(s), rx, nth.filter(|_| i == 2));
    }
    let app = Router::new()
        .route("/v1/conferences/{id}/terminals", post(join))
        .route("/v1/conferences/{id}/terminals/{tid}", delete(leave))
        .with_state(v.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_records_its_own_tone_and_pattern_through_a_vn_mirror() {
    if !ffmpeg_available("terminal_records_its_own_tone_and_pattern_through_a_vn_mirror") {
        return;
    }
    let (url, vnet) = start_vnet().await;
    let dir = tempfile::tempdir().unwrap();
    let mkv = dir.path().join("t.mkv");
    let png = dir.path().join("t.png");
    let out = cascade(vec![
        "terminal".into(),
        "--vnet".into(),
        url,
        "--conference".into(),
        "c1".into(),
        "--name".into(),
        "t1".into(),
        "--tone".into(),
        "880".into(),
        "--color".into(),
        "#0000ff".into(),
        "--record".into(),
        mkv.display().to_string(),
        "--snapshot".into(),
        png.display().to_string(),
        "--duration".into(),
        "3".into(),
        "--json".into(),
    ])
    .await;
    let report = report(&out);

    let log = vnet.log.lock().unwrap().clone();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].0, "POST");
    assert_eq!(log[0].1["name"], "t1");
    assert_eq!(log[1], ("DELETE".to_owned(), json!("t-1")));
    assert_eq!(report["leg"]["leave"], "deleted");

    assert!(
        report["audio"]["received"]["packets"].as_u64().unwrap() > 50,
        "{report:#}"
    );
    assert!(
        report["video"]["frames_decoded"].as_u64().unwrap() > 5,
        "{report:#}"
    );
    assert_eq!(report["audio"]["tones"][0]["hz"], 880, "{report:#}");
    // Nothing was lost on the mirror, so decoding never stopped once it began.
    assert_eq!(report["video"]["interruptions"], 0, "{report:#}");

    let p = probe(&mkv);
    let v = stream(&p, "video").expect("a video stream");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(352), Some(288))
    );

    let pcm = decoded_audio(&mkv);
    let voiced = skip_silence(&pcm);
    assert!(voiced.len() >= 8000, "only {} voiced samples", voiced.len());
    let second = &voiced[voiced.len() / 2 - 4000..voiced.len() / 2 + 4000];
    assert!(
        tone_share(second, 880.0) > 0.5,
        "880 Hz share {}",
        tone_share(second, 880.0)
    );
    assert!(tone_share(second, 440.0) < 0.05);

    let blue = [0, 0, 255];
    assert_pattern_colour(&last_picture(&mkv, 352, 288), 352, 288, blue, "recording");
    assert_pattern_colour(&last_picture(&png, 352, 288), 352, 288, blue, "snapshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_counts_a_lost_picture_and_recovers_at_the_idr_it_asked_for() {
    if !ffmpeg_available("terminal_counts_a_lost_picture_and_recovers_at_the_idr_it_asked_for") {
        return;
    }
    // One video packet lost about two seconds in (the pattern is one or two packets a picture
    // at 15 fps): the terminal stops decoding, sends a PLI that the mirror reflects, so its own
    // encoder answers with an IDR, and decoding resumes there.
    let (url, _vnet) = start_vnet_dropping_video(Some(30)).await;
    let dir = tempfile::tempdir().unwrap();
    let mkv = dir.path().join("loss.mkv");
    let out = cascade(vec![
        "terminal".into(),
        "--vnet".into(),
        url,
        "--conference".into(),
        "c1".into(),
        "--color".into(),
        "green".into(),
        "--record".into(),
        mkv.display().to_string(),
        "--duration".into(),
        "4".into(),
        "--json".into(),
    ])
    .await;
    let report = report(&out);
    let v = &report["video"];
    let count = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    assert!(count("pictures_dropped") >= 1, "{v}");
    assert!(count("interruptions") >= 1, "{v}");
    assert!(count("recoveries") >= 1, "{v}");
    assert!(count("intra_requests_sent") >= 1, "{v}");
    assert!(count("intra_requests_received") >= 1, "{v}");
    // ffmpeg sees the IDR it recovered at: at least two keyframes in the recording (the first
    // picture and the answer to the PLI).
    let keyframes = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "frame=key_frame",
            "-of",
            "csv=p=0",
        ])
        .arg(&mkv)
        .output()
        .expect("run ffprobe");
    let keyframes = String::from_utf8_lossy(&keyframes.stdout)
        .lines()
        .filter(|l| l.trim() == "1")
        .count();
    assert!(keyframes >= 2, "{keyframes} keyframes decoded by ffprobe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_only_recording_is_still_a_valid_file() {
    if !ffmpeg_available("audio_only_recording_is_still_a_valid_file") {
        return;
    }
    let (url, _vnet) = start_vnet().await;
    let dir = tempfile::tempdir().unwrap();
    let mkv = dir.path().join("a.mkv");
    let out = cascade(vec![
        "terminal".into(),
        "--vnet".into(),
        url,
        "--conference".into(),
        "c1".into(),
        "--tone".into(),
        "1000".into(),
        "--record".into(),
        mkv.display().to_string(),
        "--duration".into(),
        "2".into(),
        "--json".into(),
    ])
    .await;
    let report = report(&out);
    assert_eq!(report["video"]["frames_decoded"], 0);
    let p = probe(&mkv);
    assert!(stream(&p, "video").is_none(), "{p:#}");
    assert_eq!(
        stream(&p, "audio").expect("audio")["codec_name"],
        "pcm_s16le"
    );
    let pcm = decoded_audio(&mkv);
    let voiced = skip_silence(&pcm);
    assert!(voiced.len() >= 4000);
    assert!(tone_share(&voiced[..4000], 1000.0) > 0.5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_conference_and_bad_input_get_clear_errors() {
    let (url, _vnet) = start_vnet().await;
    let out = cascade(vec![
        "terminal".into(),
        "--vnet".into(),
        url.clone(),
        "--conference".into(),
        "nope".into(),
        "--duration".into(),
        "1".into(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("404") && stderr.contains("conference nope does not exist"),
        "{stderr}"
    );

    let out = cascade(vec![
        "terminal".into(),
        "--vnet".into(),
        url,
        "--conference".into(),
        "c1".into(),
        "--color".into(),
        "sparkly".into(),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("unknown colour \"sparkly\""), "{stderr}");

    let out = cascade(vec![
        "terminal".into(),
        "--vnet".into(),
        "not a url".into(),
        "--conference".into(),
        "c1".into(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad --vnet URL"));
}
