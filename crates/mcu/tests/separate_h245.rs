//! A caller that neither tunnels H.245 nor offers fast connect (an H.323v2-style endpoint): the
//! MCU must announce an H.245 address in its Connect, accept the caller's connection on it,
//! and open G.711 audio both ways over that separate H.245 channel. The MCU only listens for
//! such callers (tunnelling callers get no listener), so this is the path that proves the
//! listener is still there when it is needed.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use common::party::{start_h323, terminal_config};
use h323::call::{Alias, CallConfig, Dial, Event};
use h323::h245::capabilities::Codec;
use h323::h245::session::{Direction, H245Event};
use h323::q931::CauseValue;
use h323_tokio::{Command, MediaSockets};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_without_tunnelling_gets_a_separate_h245_connection() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.auto_create_rooms = true;
    let (mcu, h323) = start_h323(config).await;

    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let config = CallConfig {
        fast_start: false,
        tunnelling: false,
        ..terminal_config("v2 terminal", &media)
    };
    let dial = Dial {
        destination: vec![Alias::DialedDigits("4500".into())],
        called_number: Some("4500".into()),
        address: h323,
    };
    let mut task = h323_tokio::dial(config, dial, 77).await.unwrap();
    let mut connected = false;
    let mut channels = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !(connected
        && channels
            .iter()
            .filter(|c: &&h323::h245::session::MediaChannel| matches!(c.codec, Codec::Audio(_)))
            .count()
            >= 2)
    {
        let e = tokio::time::timeout_at(deadline, task.events.recv())
            .await
            .expect("connected with audio both ways within 10 s over separate H.245")
            .expect("call alive");
        match e {
            Event::Connected => connected = true,
            Event::H245(H245Event::ChannelOpened(ch)) => channels.push(ch),
            Event::Released(r) => panic!("released: {r:?}"),
            _ => {}
        }
    }
    for direction in [Direction::Transmit, Direction::Receive] {
        assert!(
            channels
                .iter()
                .any(|c| c.direction == direction && matches!(c.codec, Codec::Audio(_))),
            "an audio channel {direction:?}: {channels:?}"
        );
    }
    // The MCU sends audio to the address our OpenLogicalChannel named, so the room's mixer got
    // the channel from the separate H.245 connection too.
    let mut buf = [0u8; 2048];
    let got = tokio::time::timeout(Duration::from_secs(5), media.audio_rtp.recv_from(&mut buf))
        .await
        .expect("the MCU sends audio within 5 s")
        .unwrap();
    assert!(got.0 >= 12, "an RTP packet");

    let room = mcu.get("/v1/rooms/4500").await;
    assert_eq!(room["participant_count"], 1, "{room}");
    assert_eq!(room["participants"][0]["state"], "connected", "{room}");

    task.commands
        .send(Command::Hangup(CauseValue::NormalCallClearing))
        .unwrap();
    let released = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(e) = task.events.recv().await {
            if let Event::Released(r) = e {
                return r;
            }
        }
        panic!("events ended without Released");
    })
    .await
    .unwrap();
    assert_eq!(released.cause, CauseValue::NormalCallClearing);
    mcu.stop().await;
}
