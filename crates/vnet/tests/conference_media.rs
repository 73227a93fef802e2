//! VN conference media on 127.0.0.1: terminals (test RTP peers) joined through the API hear
//! each other N−1; after a cascade through the real gateway to a test H.323 "MCU", the terminals
//! receive the MCU's audio and video and the MCU receives the terminals' mix and the active
//! speaker's video. ffmpeg decodes the G.711, Goertzel measures the tones.

mod common;
#[path = "../../gateway/tests/media_support/mod.rs"]
mod media_support;

use std::sync::Arc;
use std::time::Duration;

use gateway::h323::H323Dialer;
use media::g711::Law;
use media::rtcp::{self, RtcpPacket};
use media_support::*;
use serde_json::{json, Value};
use service::shutdown::Shutdown;

async fn join(v: &common::Vnet, conf: i64, name: &str, peer: &VnPeer) -> Value {
    let r = v
        .http
        .post(v.url(&format!("/v1/conferences/{conf}/terminals")))
        .json(&json!({ "name": name, "media": peer.media_json() }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["audio"], json!({"codec": "PCMU", "payload_type": 0}));
    assert_eq!(t["video"]["payload_type"], 96);
    t
}

/// Decoded audio a terminal received, or None without ffmpeg.
fn heard(peer: &VnPeer, test: &str) -> Option<Vec<i16>> {
    let log = peer.audio.lock().unwrap().clone();
    assert!(log.iter().all(|p| p.pt == 0), "PCMU only");
    have("ffmpeg", test).then(|| ffmpeg_g711("mulaw", &payloads_in_order(&log)))
}

/// How many 100 ms windows carry `hz` (Goertzel power above that of a sine of peak ≈ 316; the
/// 10 Hz bins keep tones 220 Hz apart from leaking into each other).
fn windows_with(pcm: &[i16], hz: f64) -> usize {
    pcm.chunks_exact(800)
        .filter(|w| media::tone::goertzel_power(w, hz, 8000) > 1e5)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_terminals_hear_each_other_but_not_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let gw =
        common::Gateway::start(&dir.path().join("gw"), gateway::fake::FakeDialer::default()).await;
    let v = common::Vnet::start(&dir.path().join("vn"), &gw.url()).await;
    let conf = v.conference("media room").await;
    let (a, b) = (VnPeer::bind().await, VnPeer::bind().await);
    let ta = join(&v, conf, "a", &a).await;
    let tb = join(&v, conf, "b", &b).await;
    let listed = v.get(&format!("/v1/conferences/{conf}")).await;
    assert_eq!(listed["terminals"].as_array().unwrap().len(), 2);

    let to_a = addr(&ta["media"]["audio"]["rtp"]);
    let to_b = addr(&tb["media"]["audio"]["rtp"]);
    let sa = send_tone(a.audio_rtp.clone(), to_a, Law::Ulaw, 440.0, 0xa, 75);
    let sb = send_tone(b.audio_rtp.clone(), to_b, Law::Ulaw, 660.0, 0xb, 75);
    sa.await.unwrap();
    sb.await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    const T: &str = "two_terminals_hear_each_other_but_not_themselves";
    if let (Some(pa), Some(pb)) = (heard(&a, T), heard(&b, T)) {
        // Each hears the other's tone (1.5 s sent) and never its own.
        assert!(windows_with(&pa, 660.0) >= 10, "a hears b");
        assert!(windows_with(&pb, 440.0) >= 10, "b hears a");
        assert_eq!(windows_with(&pa, 440.0), 0, "a does not hear itself");
        assert_eq!(windows_with(&pb, 660.0), 0, "b does not hear itself");
    }

    // Leaving: the terminal is gone from the list and gets a BYE.
    let tid = tb["id"].as_u64().unwrap();
    let r = v
        .http
        .delete(v.url(&format!("/v1/conferences/{conf}/terminals/{tid}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let left = v.get(&format!("/v1/conferences/{conf}/terminals")).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    v.stop().await;
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cascade_brings_the_mcu_room_to_the_terminals_and_back() {
    const T: &str = "cascade_brings_the_mcu_room_to_the_terminals_and_back";
    let dir = tempfile::tempdir().unwrap();
    let config = gateway::Config {
        http: "127.0.0.1:0".into(),
        data: dir.path().join("gw"),
        call_timeout: Duration::from_secs(10),
        ..gateway::Config::default()
    };
    let server = gateway::Server::bind(config, Arc::new(H323Dialer::default()))
        .await
        .unwrap();
    let gw_url = format!("http://{}", server.http_addr());
    let gw_stop = Shutdown::new();
    let gw_task = tokio::spawn(server.serve(gw_stop.clone()));
    let v = common::Vnet::start(&dir.path().join("vn"), &gw_url).await;
    let conf = v.conference("cascaded room").await;
    let (t1, t2) = (VnPeer::bind().await, VnPeer::bind().await);
    let j1 = join(&v, conf, "t1", &t1).await;
    let j2 = join(&v, conf, "t2", &t2).await;

    let mcu = answerer(150, 10).await;
    let r = v
        .cascade(conf, json!({ "dial": format!("801234@{}", mcu.addr) }))
        .await;
    assert_eq!(r.status(), 201);
    // The terminals talk: t1 loudly (the active speaker, whose video goes up), t2 softly.
    let s1 = send_tone(
        t1.audio_rtp.clone(),
        addr(&j1["media"]["audio"]["rtp"]),
        Law::Ulaw,
        660.0,
        0x1,
        120,
    );
    let s2 = send_tone_at(
        t2.audio_rtp.clone(),
        addr(&j2["media"]["audio"]["rtp"]),
        Law::Ulaw,
        880.0,
        3000,
        0x2,
        120,
    );
    let video = tokio::task::spawn_blocking(|| h264_packets(10, 0x11, 96))
        .await
        .unwrap();
    let t1_video = addr(&j1["media"]["video"]["rtp"]);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (_, p) in &video {
        t1.video_rtp.send_to(p, t1_video).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    s1.await.unwrap();
    s2.await.unwrap();
    for _ in 0..50 {
        if mcu.video.lock().unwrap().len() >= video.len() && !t2.video.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The terminals receive the MCU's video (rewritten, PT 96), the same payloads in order.
    let sent_by_mcu = h264_packets(10, ANSWERER_VIDEO_SSRC, 96);
    for peer in [&t1, &t2] {
        let got = peer.video.lock().unwrap().clone();
        assert_eq!(got.len(), sent_by_mcu.len());
        assert!(got
            .iter()
            .all(|p| p.pt == 96 && p.ssrc != ANSWERER_VIDEO_SSRC));
        assert!(got
            .iter()
            .zip(&sent_by_mcu)
            .all(|(g, (_, s))| g.payload[..] == s[12..]));
    }
    // The speaker was asked for an intra picture when it became the speaker.
    let plis = t1
        .video_rtcp_log
        .lock()
        .unwrap()
        .iter()
        .filter_map(|d| rtcp::parse_compound(d).ok())
        .flatten()
        .filter(|p| matches!(p, RtcpPacket::Pli(_)))
        .count();
    assert!(plis >= 1, "PLI to the active speaker");
    // The MCU receives the active speaker's video.
    let up = mcu.video.lock().unwrap().clone();
    assert_eq!(up.len(), video.len());
    assert!(up
        .iter()
        .zip(&video)
        .all(|(g, (_, s))| g.payload[..] == s[12..]));

    if let Some(p1) = heard(&t1, T) {
        // t1 hears the MCU's 440 Hz and t2's 880 Hz, not its own 660 Hz.
        let (mcu_at_t1, t2_at_t1) = (windows_with(&p1, 440.0), windows_with(&p1, 880.0));
        assert!(mcu_at_t1 >= 5, "the MCU's tone at t1: {mcu_at_t1} windows");
        assert!(t2_at_t1 >= 10, "t2's tone at t1: {t2_at_t1} windows");
        assert_eq!(windows_with(&p1, 660.0), 0, "t1 does not hear itself");
        // The MCU hears both terminals (A-law, its only codec) and not itself.
        let got = mcu.audio.lock().unwrap().clone();
        assert!(got.iter().all(|p| p.pt == PT_A));
        let pm = ffmpeg_g711("alaw", &payloads_in_order(&got));
        assert!(windows_with(&pm, 660.0) >= 10, "t1 in the mix at the MCU");
        assert!(windows_with(&pm, 880.0) >= 10, "t2 in the mix at the MCU");
        assert_eq!(windows_with(&pm, 440.0), 0, "the MCU does not hear itself");
    }

    v.stop().await;
    // Its last report to t1 (with the BYE) has a report block on the video t1 sent
    // (RFC 3550 6.4): every packet received, up to the last sequence number.
    let last_seq = media::rtp::RtpPacket::parse(&video.last().unwrap().1)
        .unwrap()
        .sequence;
    let block = || {
        t1.video_rtcp_log
            .lock()
            .unwrap()
            .iter()
            .filter_map(|d| rtcp::parse_compound(d).ok())
            .flatten()
            .filter_map(|p| match p {
                RtcpPacket::SenderReport(sr) => Some(sr.reports),
                RtcpPacket::ReceiverReport(rr) => Some(rr.reports),
                _ => None,
            })
            .flatten()
            .find(|b| b.ssrc == 0x11)
    };
    for _ in 0..50 {
        if block().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let b = block().expect("a report block on t1's video");
    assert_eq!(b.cumulative_lost, 0, "{b:?}");
    assert_eq!(
        b.extended_highest_seq & 0xffff,
        u32::from(last_seq),
        "{b:?}"
    );
    gw_stop.trigger();
    gw_task.await.unwrap().unwrap();
}

/// A vnet (with `terminal_timeout`) and one conference with terminals `names`, each a peer.
async fn liveness_room(
    dir: &std::path::Path,
    terminal_timeout: Duration,
    names: &[&str],
) -> (common::Gateway, common::Vnet, i64, Vec<(VnPeer, Value)>) {
    let gw = common::Gateway::start(&dir.join("gw"), gateway::fake::FakeDialer::default()).await;
    let v = common::Vnet::start_with(vnet::Config {
        terminal_timeout,
        ..common::Vnet::config(&dir.join("vn"), &gw.url())
    })
    .await;
    let conf = v.conference("liveness").await;
    let mut terminals = Vec::new();
    for name in names {
        let p = VnPeer::bind().await;
        let j = join(&v, conf, name, &p).await;
        terminals.push((p, j));
    }
    (gw, v, conf, terminals)
}

fn terminal_id(j: &Value) -> u64 {
    j["id"].as_u64().unwrap()
}

async fn delete_terminal(v: &common::Vnet, conf: i64, j: &Value) -> u16 {
    let path = format!("/v1/conferences/{conf}/terminals/{}", terminal_id(j));
    v.http
        .delete(v.url(&path))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Polls the conference's terminals until only `ids` are left.
async fn left_only(v: &common::Vnet, conf: i64, ids: &[u64]) {
    let path = format!("/v1/conferences/{conf}/terminals");
    v.wait_for(&path, |ts| {
        let mut got: Vec<u64> = ts
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t["id"].as_u64())
            .collect();
        got.sort_unstable();
        got == ids
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_terminal_times_out_and_a_talking_one_stays() {
    let dir = tempfile::tempdir().unwrap();
    let (gw, v, conf, t) =
        liveness_room(dir.path(), Duration::from_secs(1), &["talker", "silent"]).await;
    // The talker talks for 6 s, long past the silent one's timeout.
    let talking = send_tone(
        t[0].0.audio_rtp.clone(),
        addr(&t[0].1["media"]["audio"]["rtp"]),
        Law::Ulaw,
        440.0,
        0xa,
        300,
    );
    left_only(&v, conf, &[terminal_id(&t[0].1)]).await;
    assert_eq!(delete_terminal(&v, conf, &t[1].1).await, 404, "timed out");
    talking.await.unwrap();
    v.stop().await;
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_that_says_bye_leaves_after_a_grace_for_its_own_delete() {
    use media::rtcp::{Bye, ReceiverReport};
    let dir = tempfile::tempdir().unwrap();
    // A timeout far beyond the test: only the BYEs make anyone leave.
    let (gw, v, conf, t) = liveness_room(
        dir.path(),
        Duration::from_secs(600),
        &["stays", "bye", "bye-then-delete"],
    )
    .await;
    for (k, ssrc) in [(1, 0xb1u32), (2, 0xb2)] {
        let bye = rtcp::build_compound(&[
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc,
                reports: vec![],
            }),
            RtcpPacket::Bye(Bye {
                sources: vec![ssrc],
                reason: Some(b"leaving".to_vec()),
            }),
        ])
        .unwrap();
        let to = addr(&t[k].1["media"]["audio"]["rtcp"]);
        t[k].0.audio_rtcp.send_to(&bye, to).await.unwrap();
    }
    // Removing itself right after its BYE finds the terminal still there.
    assert_eq!(delete_terminal(&v, conf, &t[2].1).await, 204);
    // The other goes once the grace is over.
    left_only(&v, conf, &[terminal_id(&t[0].1)]).await;
    assert_eq!(delete_terminal(&v, conf, &t[1].1).await, 404);
    v.stop().await;
    gw.stop().await;
}
