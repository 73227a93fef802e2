//! `cascade endpoint` against an in-test H.323 answerer (`h323_tokio::serve`) that accepts the
//! call and mirrors every RTP/RTCP packet back to where the endpoint announced it receives, and
//! passes the endpoint's videoFastUpdatePicture back to it. The endpoint must then record its own
//! tone and pattern: ffmpeg decodes the Matroska file and the PNG, and Goertzel and pixel checks
//! run on what ffmpeg produced. A second answerer rejects the call with cause 1.

mod peer_support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use h323::asn::h225::ReleaseCompleteReason;
use h323::call::{Alias, CallConfig, CallTimers, EndpointKind, Event};
use h323::h245::capabilities::{Codec, MediaCapabilities};
use h323::h245::session::{Direction, H245Config, H245Event, H245Timers};
use h323::q931::CauseValue;
use h323_tokio::{Command, MediaSockets};
use peer_support::*;
use tokio::net::TcpListener;
use tokio::sync::watch;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn answerer_config(media: &MediaSockets) -> CallConfig {
    CallConfig {
        kind: EndpointKind::Mcu,
        aliases: vec![Alias::H323Id("mirror".into())],
        display: Some("mirror".into()),
        signalling_address: None,
        h245: H245Config {
            terminal_type: 190,
            capabilities: MediaCapabilities::cascade_default(),
            media: media.local_media().unwrap(),
            timers: H245Timers::default(),
            open_channels: true,
        },
        fast_start: true,
        tunnelling: true,
        h245_listener: None,
        timers: CallTimers::default(),
    }
}

/// Answers one call, mirrors its media until the caller hangs up.
async fn mirror_answerer(listener: TcpListener) {
    let (stream, _) = listener.accept().await.unwrap();
    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let cfg = answerer_config(&media);
    let mut task = h323_tokio::serve(stream, cfg, None, 5);
    let MediaSockets {
        audio_rtp,
        audio_rtcp,
        video_rtp,
        video_rtcp,
    } = media;
    let dests: Vec<_> = (0..4).map(|_| watch::channel(None::<SocketAddr>)).collect();
    let sockets = [audio_rtp, audio_rtcp, video_rtp, video_rtcp].map(Arc::new);
    let tasks: Vec<_> = sockets
        .iter()
        .zip(&dests)
        .map(|(s, (_, rx))| mirror(s.clone(), rx.clone()))
        .collect();
    let mut video_rx = None;
    while let Some(e) = tokio::time::timeout(Duration::from_secs(30), task.events.recv())
        .await
        .expect("the endpoint never hung up")
    {
        match e {
            Event::Incoming(_) => {
                task.commands.send(Command::Proceed).unwrap();
                task.commands.send(Command::Accept).unwrap();
            }
            Event::H245(H245Event::ChannelOpened(ch)) => match (ch.direction, ch.codec) {
                (Direction::Transmit, codec) => {
                    let base = if matches!(codec, Codec::Audio(_)) {
                        0
                    } else {
                        2
                    };
                    let rtp = ch.rtp.unwrap();
                    let rtcp = ch
                        .remote_rtcp
                        .unwrap_or(SocketAddr::new(rtp.ip(), rtp.port() + 1));
                    dests[base].0.send_replace(Some(rtp));
                    dests[base + 1].0.send_replace(Some(rtcp));
                }
                (Direction::Receive, Codec::Video(_)) => video_rx = Some(ch.number),
                _ => {}
            },
            // The pictures we send are the endpoint's own: pass its request back to it.
            Event::H245(H245Event::FastUpdateRequested { .. }) => {
                if let Some(n) = video_rx {
                    task.commands.send(Command::FastUpdate(n)).unwrap();
                }
            }
            _ => {}
        }
    }
    for t in &tasks {
        t.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_records_its_own_tone_and_pattern_through_an_h323_mirror() {
    if !ffmpeg_available("endpoint_records_its_own_tone_and_pattern_through_an_h323_mirror") {
        return;
    }
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let answerer = tokio::spawn(mirror_answerer(listener));
    let dir = tempfile::tempdir().unwrap();
    let mkv = dir.path().join("ep.mkv");
    let png = dir.path().join("ep.png");
    let out = cascade(vec![
        "endpoint".into(),
        "--dial".into(),
        format!("1234@127.0.0.1:{port}"),
        "--name".into(),
        "ep1".into(),
        "--tone".into(),
        "440".into(),
        "--color".into(),
        "red".into(),
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
    answerer.await.unwrap();

    // The endpoint's own view.
    assert_eq!(report["leg"]["q931_cause"], 16, "{report:#}");
    assert!(
        report["audio"]["sent"]["packets"].as_u64().unwrap() > 100,
        "{report:#}"
    );
    assert!(
        report["audio"]["received"]["packets"].as_u64().unwrap() > 50,
        "{report:#}"
    );
    assert!(
        report["video"]["frames_decoded"].as_u64().unwrap() > 5,
        "{report:#}"
    );
    assert_eq!(
        report["video"]["last_resolution"],
        serde_json::json!([352, 288])
    );
    assert_eq!(report["audio"]["tones"][0]["hz"], 440, "{report:#}");

    // ffprobe: one H.264 352x288 stream and one PCM stream.
    let p = probe(&mkv);
    let v = stream(&p, "video").expect("a video stream");
    assert_eq!(v["codec_name"], "h264");
    assert_eq!(
        (v["width"].as_u64(), v["height"].as_u64()),
        (Some(352), Some(288))
    );
    let a = stream(&p, "audio").expect("an audio stream");
    assert_eq!(a["codec_name"], "pcm_s16le");
    assert_eq!(a["sample_rate"], "8000");

    // ffmpeg's decoded audio holds the 440 Hz tone and not another.
    let pcm = decoded_audio(&mkv);
    let voiced = skip_silence(&pcm);
    assert!(voiced.len() >= 8000, "only {} voiced samples", voiced.len());
    let second = &voiced[voiced.len() / 2 - 4000..voiced.len() / 2 + 4000];
    assert!(
        tone_share(second, 440.0) > 0.5,
        "440 Hz share {}",
        tone_share(second, 440.0)
    );
    assert!(tone_share(second, 660.0) < 0.05);

    // ffmpeg's last decoded picture and the snapshot show the red pattern.
    let red = [255, 0, 0];
    assert_pattern_colour(&last_picture(&mkv, 352, 288), 352, 288, red, "recording");
    assert_pattern_colour(&last_picture(&png, 352, 288), 352, 288, red, "snapshot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_call_exits_non_zero_with_the_cause() {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let rejecter = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let media = MediaSockets::bind(LOOPBACK).await.unwrap();
        let mut task = h323_tokio::serve(stream, answerer_config(&media), None, 6);
        while let Some(e) = task.events.recv().await {
            if let Event::Incoming(_) = e {
                task.commands
                    .send(Command::Reject(
                        CauseValue::UnallocatedNumber,
                        Some(ReleaseCompleteReason::calledPartyNotRegistered(())),
                    ))
                    .unwrap();
            }
        }
    });
    let out = cascade(vec![
        "endpoint".into(),
        "--dial".into(),
        format!("9999@127.0.0.1:{port}"),
        "--duration".into(),
        "1".into(),
    ])
    .await;
    rejecter.await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("cause 1 (unallocated number)"), "{stderr}");
    assert!(stderr.contains("calledPartyNotRegistered"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_mcu_and_bad_dial_strings_get_clear_errors() {
    // A port nobody listens on: bound, then closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = cascade(vec![
        "endpoint".into(),
        "--dial".into(),
        format!("1234@127.0.0.1:{port}"),
    ])
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("cannot reach the MCU at 127.0.0.1:{port}")),
        "{stderr}"
    );

    for (dial, says) in [
        ("12a4@127.0.0.1", "bad dial string"),
        ("1234", "bad dial string"),
    ] {
        let out = cascade(vec!["endpoint".into(), "--dial".into(), dial.into()]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(says), "{dial}: {stderr}");
    }

    let out = cascade(vec![
        "endpoint".into(),
        "--dial".into(),
        "1234@127.0.0.1".into(),
        "--tone".into(),
        "9000".into(),
    ])
    .await;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a tone frequency"));
}
