//! Calls over real TCP on 127.0.0.1 through the tokio driver: tunnelled with fast connect,
//! separate H.245 on its own connection, a silent peer (T303), and an unreachable one.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use h323::call::{Alias, CallConfig, CallTimers, Dial, EndpointKind, Event, Side};
use h323::h245::capabilities::MediaCapabilities;
use h323::h245::session::{H245Config, H245Event, H245Timers};
use h323::q931::CauseValue;
use h323_tokio::{Command, MediaSockets};
use tokio::net::TcpListener;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn config(kind: EndpointKind, media: &MediaSockets, tunnelling: bool) -> CallConfig {
    CallConfig {
        kind,
        aliases: vec![Alias::H323Id(format!("{kind:?}"))],
        display: Some(format!("{kind:?}")),
        signalling_address: None,
        h245: H245Config {
            terminal_type: if kind == EndpointKind::Mcu { 190 } else { 60 },
            capabilities: MediaCapabilities::cascade_default(),
            media: media.local_media().unwrap(),
            timers: H245Timers::default(),
            open_channels: true,
        },
        fast_start: tunnelling,
        tunnelling,
        h245_listener: None,
        timers: CallTimers {
            t303: Duration::from_millis(800),
            ..CallTimers::default()
        },
    }
}

/// An answering side: accepts every call, records its events, hangs up never.
async fn answer_one(listener: TcpListener, tunnelling: bool) -> Vec<Event> {
    let (stream, _) = listener.accept().await.unwrap();
    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let mut cfg = config(EndpointKind::Mcu, &media, tunnelling).await;
    let h245 = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    cfg.h245_listener = Some(h245.local_addr().unwrap());
    let mut task = h323_tokio::serve(stream, cfg, Some(h245), 9);
    let mut events = Vec::new();
    while let Some(e) = tokio::time::timeout(Duration::from_secs(10), task.events.recv())
        .await
        .unwrap()
    {
        if let Event::Incoming(_) = e {
            task.commands.send(Command::Proceed).unwrap();
            task.commands.send(Command::Accept).unwrap();
        }
        events.push(e);
    }
    drop(media);
    events
}

fn opened(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::H245(H245Event::ChannelOpened(_))))
        .count()
}

async fn call_and_hang_up(tunnelling: bool) -> (Vec<Event>, Vec<Event>) {
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let callee = tokio::spawn(answer_one(listener, tunnelling));
    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let cfg = config(EndpointKind::Gateway, &media, tunnelling).await;
    let dial = Dial {
        destination: vec![Alias::DialedDigits("1234".into())],
        called_number: Some("1234".into()),
        address: addr,
    };
    let mut task = h323_tokio::dial(cfg, dial, 3).await.unwrap();
    let mut events = Vec::new();
    let mut hung_up = false;
    while let Some(e) = tokio::time::timeout(Duration::from_secs(10), task.events.recv())
        .await
        .unwrap()
    {
        events.push(e);
        if opened(&events) == 4 && !hung_up {
            hung_up = true;
            task.commands
                .send(Command::Hangup(CauseValue::NormalCallClearing))
                .unwrap();
        }
    }
    (events, callee.await.unwrap())
}

#[tokio::test]
async fn tunnelled_fast_start_call_over_tcp() {
    let (caller, callee) = call_and_hang_up(true).await;
    assert!(caller.contains(&Event::Connected));
    assert_eq!(opened(&caller), 4);
    assert_eq!(opened(&callee), 4);
    let last = callee.last().unwrap();
    assert!(
        matches!(last, Event::Released(r) if r.by == Side::Remote && r.cause == CauseValue::NormalCallClearing),
        "{last:?}"
    );
}

#[tokio::test]
async fn separate_h245_connection_over_tcp() {
    let (caller, callee) = call_and_hang_up(false).await;
    assert!(
        caller.iter().any(|e| matches!(e, Event::ConnectH245(_))),
        "{caller:#?}"
    );
    assert_eq!(opened(&caller), 4, "{caller:#?}");
    assert_eq!(opened(&callee), 4);
}

#[tokio::test]
async fn silent_peer_expires_t303() {
    // Accepts the TCP connection and never says anything.
    let listener = TcpListener::bind((LOOPBACK, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _hold = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(s);
    });
    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let cfg = config(EndpointKind::Gateway, &media, true).await;
    let dial = Dial {
        destination: vec![Alias::DialedDigits("1".into())],
        called_number: None,
        address: addr,
    };
    let mut task = h323_tokio::dial(cfg, dial, 4).await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(5), task.events.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(e, Event::Released(ref r) if r.cause == CauseValue::RecoveryOnTimerExpiry),
        "{e:?}"
    );
}

#[tokio::test]
async fn unreachable_peer_is_an_io_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    drop(listener);
    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let cfg = config(EndpointKind::Gateway, &media, true).await;
    let dial = Dial {
        destination: vec![],
        called_number: None,
        address: addr,
    };
    assert!(h323_tokio::dial(cfg, dial, 5).await.is_err());
}

#[tokio::test]
async fn media_addresses_are_bound_even_odd_pairs() {
    let media = MediaSockets::bind(LOOPBACK).await.unwrap();
    let l = media.local_media().unwrap();
    for m in [l.audio.unwrap(), l.video.unwrap()] {
        assert_eq!(m.rtp.port() % 2, 0);
        assert_eq!(m.rtcp.port(), m.rtp.port() + 1);
        // Really bound: binding the same address again fails.
        assert!(std::net::UdpSocket::bind(m.rtp).is_err());
    }
}
