//! The gateway's media relay end to end on 127.0.0.1: a real gateway with the H.323 dialer calls
//! a test H.323 answerer (A-law and H.264 only); a test VN side sends a PCMU 660 Hz tone and an
//! H.264 test pattern to the gateway's VN-side addresses while the answerer sends a 440 Hz tone.
//! Each side hears the other (ffmpeg decodes, Goertzel measures), SSRCs are the gateway's own,
//! sequence numbers continuous, the API shows the counts, a PLI from the VN side becomes
//! videoFastUpdatePicture, tshark dissects the VN-side RTP, and ending the call closes the sockets.

mod media_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use gateway::h323::H323Dialer;
use gateway::{Config, Server};
use media::g711::Law;
use media::rtcp::{self, Pli, ReceiverReport, RtcpPacket};
use media_support::*;
use service::shutdown::Shutdown;

const TONE_PACKETS: u16 = 100;
const VN_SSRC: u32 = 0x0b0b_0001;
const VN_VIDEO_SSRC: u32 = 0x0b0b_0002;

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    for _ in 0..100 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn consecutive(log: &[Rtp]) -> bool {
    log.windows(2).all(|w| w[1].seq == w[0].seq.wrapping_add(1))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_sides_hear_each_other_through_the_relay() {
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

    let mcu = answerer(TONE_PACKETS, 10).await;
    let vn = VnPeer::bind().await;
    let r = http
        .post(format!("{base}/v1/calls"))
        .json(&serde_json::json!({
            "dial": format!("801234@{}", mcu.addr),
            "display": "VN media",
            "media": vn.media_json(),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let call: serde_json::Value = r.json().await.unwrap();
    let id = call["id"].as_str().unwrap().to_owned();
    let gw_audio = addr(&call["media"]["audio"]["rtp"]);
    let gw_video = addr(&call["media"]["video"]["rtp"]);
    let gw_video_rtcp = addr(&call["media"]["video"]["rtcp"]);
    assert_eq!(gw_audio.port() % 2, 0, "RTP on an even port");
    assert_eq!(gw_video_rtcp.port(), gw_video.port() + 1);

    let tone = send_tone(
        vn.audio_rtp.clone(),
        gw_audio,
        Law::Ulaw,
        660.0,
        VN_SSRC,
        TONE_PACKETS,
    );
    let video = tokio::task::spawn_blocking(|| h264_packets(10, VN_VIDEO_SSRC, 96))
        .await
        .unwrap();
    let video_sent = video.len();
    for (_, p) in &video {
        vn.video_rtp.send_to(p, gw_video).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tone.await.unwrap();

    // A picture loss indication from the VN side reaches the MCU as videoFastUpdatePicture.
    let pli = rtcp::build_compound(&[
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: VN_VIDEO_SSRC,
            reports: vec![],
        }),
        RtcpPacket::Pli(Pli {
            sender_ssrc: VN_VIDEO_SSRC,
            media_ssrc: 0,
        }),
    ])
    .unwrap();
    vn.video_rtcp.send_to(&pli, gw_video_rtcp).await.unwrap();
    wait_for("videoFastUpdatePicture at the MCU", || {
        mcu.fast_updates.load(Ordering::SeqCst) >= 1
    })
    .await;
    // A burst of them is passed on once per FAST_UPDATE_INTERVAL (500 ms): the burst takes a
    // few milliseconds, so at most one more (had the interval ended during it), not twenty.
    for _ in 0..20 {
        vn.video_rtcp.send_to(&pli, gw_video_rtcp).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let passed = mcu.fast_updates.load(Ordering::SeqCst);
    assert!((1..=2).contains(&passed), "{passed} videoFastUpdatePicture");
    wait_for("the MCU's tone and video at the VN side", || {
        vn.audio.lock().unwrap().len() >= usize::from(TONE_PACKETS)
            && !vn.video.lock().unwrap().is_empty()
    })
    .await;
    wait_for("the VN side's audio and video at the MCU", || {
        mcu.audio.lock().unwrap().len() >= usize::from(TONE_PACKETS)
            && mcu.video.lock().unwrap().len() >= video_sent
    })
    .await;
    // Statistics are published every 200 ms.
    tokio::time::sleep(Duration::from_millis(400)).await;

    let rec: serde_json::Value = http
        .get(format!("{base}/v1/calls/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let st = &rec["media_stats"];
    for (dir, kind) in [
        ("from_mcu", "audio"),
        ("to_mcu", "audio"),
        ("from_mcu", "video"),
        ("to_mcu", "video"),
    ] {
        let s = &st[dir][kind];
        assert!(s["packets"].as_u64().unwrap() > 0, "{dir} {kind}: {s}");
        assert!(s["bytes"].as_u64().unwrap() > 0, "{dir} {kind}: {s}");
        assert_eq!(s["lost"], 0, "{dir} {kind}: {s}");
        assert!(s["jitter_ms"].as_f64().is_some(), "{s}");
    }
    assert_eq!(st["to_mcu"]["audio"]["packets"], u64::from(TONE_PACKETS));
    assert_eq!(st["to_mcu"]["audio"]["ssrc"], VN_SSRC);
    assert_eq!(st["from_mcu"]["audio"]["ssrc"], ANSWERER_SSRC);
    assert_eq!(st["to_mcu"]["video"]["packets"], video_sent as u64);
    let ssrc = |d: &str, k: &str| st[d][k]["sent_ssrc"].as_u64().unwrap() as u32;

    // VN side: PCMU on the gateway's own SSRC, continuous, carrying the MCU's 440 Hz.
    let heard = vn.audio.lock().unwrap().clone();
    assert!(heard
        .iter()
        .all(|p| p.pt == 0 && p.ssrc == ssrc("from_mcu", "audio")));
    assert_ne!(ssrc("from_mcu", "audio"), ANSWERER_SSRC);
    assert!(consecutive(&heard), "sequence numbers continuous");
    let pcm = ffmpeg_or_skip("mulaw", &payloads_in_order(&heard));
    if let Some(pcm) = pcm {
        let share = tone_share(&pcm, 440.0, 660.0);
        assert!(share > 0.9, "440 Hz in {share:.2} of the VN side's frames");
    }
    let vn_video = vn.video.lock().unwrap().clone();
    assert!(vn_video
        .iter()
        .all(|p| p.pt == 96 && p.ssrc == ssrc("from_mcu", "video")));
    assert!(consecutive(&vn_video));

    // MCU side: A-law (its only codec) on the gateway's other SSRC, carrying the VN's 660 Hz.
    let got = mcu.audio.lock().unwrap().clone();
    assert_eq!(got.len(), usize::from(TONE_PACKETS));
    assert!(got
        .iter()
        .all(|p| p.pt == PT_A && p.ssrc == ssrc("to_mcu", "audio")));
    assert_ne!(ssrc("to_mcu", "audio"), VN_SSRC);
    assert!(consecutive(&got));
    if let Some(pcm) = ffmpeg_or_skip("alaw", &payloads_in_order(&got)) {
        let share = tone_share(&pcm, 660.0, 440.0);
        assert!(share > 0.9, "660 Hz in {share:.2} of the MCU's frames");
    }
    let mcu_video = mcu.video.lock().unwrap().clone();
    assert_eq!(mcu_video.len(), video_sent);
    assert!(mcu_video.iter().all(|p| p.ssrc == ssrc("to_mcu", "video")));
    // The access units arrive whole: the same payloads in the same order.
    assert!(mcu_video
        .iter()
        .zip(&video)
        .all(|(g, (_, s))| g.payload[..] == s[12..]));

    // tshark reads the gateway's VN-side RTP: payload types 0 and 96, no sequence errors.
    if have("tshark", "both_sides_hear_each_other_through_the_relay") {
        let pcap = temp_path("vn-side.pcap");
        let port = vn.audio_rtp.local_addr().unwrap().port();
        let datagrams: Vec<&[u8]> = heard
            .iter()
            .chain(&vn_video)
            .map(|p| &p.bytes[..])
            .collect();
        write_pcap(&pcap, port, &datagrams);
        let rows = tshark_rtp(&pcap, port, &["rtp.p_type", "rtp.ssrc"]);
        assert_eq!(rows.len(), datagrams.len());
        let mut types: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        types.sort();
        types.dedup();
        assert_eq!(types, ["0", "96"]);
        let flagged = tshark_filter(
            &pcap,
            port,
            "_ws.malformed || _ws.expert.severity >= warning",
        );
        assert!(flagged.is_empty(), "tshark flagged:\n{flagged}");
        // tshark's stream analysis: one line per SSRC, "0 (0.0%)" lost, no "X" (problems).
        let streams = tshark_streams(&pcap, port);
        let lines: Vec<&str> = streams.lines().filter(|l| l.contains(" 0x")).collect();
        assert_eq!(lines.len(), 2, "{streams}");
        for l in lines {
            assert!(l.contains(" 0 (0.0%)"), "{streams}");
            assert!(!l.trim_end().ends_with('X'), "{streams}");
        }
        let _ = std::fs::remove_file(&pcap);
    }

    // Ending the call stops the relay: final figures are kept, the VN side gets BYEs and the
    // gateway's VN-side ports are closed.
    let r = http
        .delete(format!("{base}/v1/calls/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ended: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        ended["media_stats"]["to_mcu"]["audio"]["packets"],
        u64::from(TONE_PACKETS)
    );
    let byes = || {
        vn.video_rtcp_log
            .lock()
            .unwrap()
            .iter()
            .filter_map(|d| rtcp::parse_compound(d).ok())
            .flatten()
            .filter(|p| matches!(p, RtcpPacket::Bye(b) if b.sources == [ssrc("from_mcu", "video")]))
            .count()
    };
    wait_for("the gateway's BYE", || byes() >= 1).await;
    assert_eq!(byes(), 1, "one BYE for the gateway's video stream");
    let probe = tokio::net::UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    probe.connect(gw_audio).await.unwrap();
    probe.send(&[0x80, 0, 0, 1]).await.unwrap();
    let mut buf = [0u8; 16];
    let refused = tokio::time::timeout(Duration::from_secs(2), probe.recv(&mut buf)).await;
    assert!(
        matches!(refused, Ok(Err(ref e)) if e.kind() == std::io::ErrorKind::ConnectionRefused),
        "the VN-side audio port is closed: {refused:?}"
    );

    shutdown.trigger();
    running.await.unwrap().unwrap();
}

fn ffmpeg_or_skip(format: &str, codes: &[u8]) -> Option<Vec<i16>> {
    have("ffmpeg", "both_sides_hear_each_other_through_the_relay")
        .then(|| ffmpeg_g711(format, codes))
}

/// tshark's RTP stream analysis table (`-z rtp,streams`).
fn tshark_streams(pcap: &std::path::Path, port: u16) -> String {
    let decode = format!("udp.port=={port},rtp");
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(["-d", &decode, "-q", "-z", "rtp,streams"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
