//! Two endpoints over real TCP on 127.0.0.1 while tshark captures the port: every frame must
//! dissect as H.225.0/H.245 with no malformed packet or expert warning, and tshark's own fields
//! (message types, called alias, cause, release reason) must equal what we sent.
//!
//! The calls run on plain std threads and sockets: the core is sans-IO, so the test is its own
//! small I/O driver.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use h323::asn::h225::ReleaseCompleteReason;
use h323::call::{Alias, Call, CallConfig, CallTimers, Channel, Dial, EndpointKind, Event};
use h323::h245::capabilities::MediaCapabilities;
use h323::h245::session::{H245Config, H245Timers, LocalMedia, MediaAddress};
use h323::q931::CauseValue;

fn config(kind: EndpointKind, base: u16) -> CallConfig {
    let a = |p: u16| format!("127.0.0.1:{p}").parse().unwrap();
    CallConfig {
        kind,
        aliases: vec![Alias::H323Id("cascade-test".into())],
        display: Some("cascade test".into()),
        signalling_address: None,
        h245: H245Config {
            terminal_type: if kind == EndpointKind::Mcu { 190 } else { 60 },
            capabilities: MediaCapabilities::cascade_default(),
            media: LocalMedia {
                audio: Some(MediaAddress {
                    rtp: a(base),
                    rtcp: a(base + 1),
                }),
                video: Some(MediaAddress {
                    rtp: a(base + 2),
                    rtcp: a(base + 3),
                }),
            },
            timers: H245Timers::default(),
            open_channels: true,
        },
        fast_start: true,
        tunnelling: true,
        h245_listener: None,
        timers: CallTimers::default(),
    }
}

/// Runs one call over a TCP stream until it is released or 10 s pass.
fn drive(
    mut call: Call,
    mut stream: TcpStream,
    mut on_event: impl FnMut(&mut Call, &Event),
) -> Vec<Event> {
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let started = Instant::now();
    let mut events = Vec::new();
    let mut buf = [0u8; 4096];
    let mut released_at = None;
    while started.elapsed() < Duration::from_secs(10) {
        while let Some(t) = call.poll_transmit() {
            assert_eq!(t.channel, Channel::Signalling);
            stream.write_all(&t.bytes).unwrap();
        }
        while let Some(e) = call.poll_event() {
            on_event(&mut call, &e);
            if matches!(e, Event::Released(_)) {
                released_at.get_or_insert(Instant::now());
            }
            events.push(e);
        }
        if let Some(t) = released_at {
            // Let the peer read our last message, then close in order (FIN, not RST).
            if t.elapsed() > Duration::from_millis(100) {
                break;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) => {
                eprintln!("peer closed");
                break;
            }
            Ok(n) => call.handle_input(Instant::now(), Channel::Signalling, &buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => {
                eprintln!("read error {e}");
                break;
            }
        }
        if call.poll_timeout().is_some_and(|t| t <= Instant::now()) {
            call.handle_timeout(Instant::now());
        }
    }
    let _ = stream.shutdown(Shutdown::Write);
    // Drain until the peer closes too.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    events
}

fn tshark() -> Option<()> {
    match Command::new("tshark").arg("--version").output() {
        Ok(o) if o.status.success() => Some(()),
        _ => {
            assert!(std::env::var("CI").is_err(), "tshark is required under CI");
            println!("SKIP: tshark not installed");
            None
        }
    }
}

#[test]
fn two_calls_over_loopback_dissect_cleanly_in_tshark() {
    if tshark().is_none() {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("cascade-tshark-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("calls.pcapng");

    let mut capture = Command::new("tshark")
        .args([
            "-i",
            "lo",
            "-f",
            &format!("tcp port {port}"),
            "-a",
            "duration:60",
            "-w",
        ])
        .arg(&pcap)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tshark");
    // tshark says "Capturing on 'Loopback: lo'" once packets can be seen.
    let mut stderr = BufReader::new(capture.stderr.take().unwrap());
    let mut line = String::new();
    let mut ready = false;
    for _ in 0..50 {
        line.clear();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line.contains("Capturing on") {
            ready = true;
            break;
        }
    }
    assert!(ready, "tshark did not start capturing: {line}");
    // dumpcap announces the interface a moment before its filter sees packets.
    thread::sleep(Duration::from_millis(1500));
    thread::spawn(move || {
        let mut sink = String::new();
        let _ = stderr.read_to_string(&mut sink);
    });

    // Callee: the first call is accepted (fast connect + tunnelled H.245) and then hung up by
    // the caller; the second is refused as "no such conference".
    let callee = thread::spawn(move || {
        let mut outcomes = Vec::new();
        for n in 0..2 {
            let (stream, _) = listener.accept().unwrap();
            let call = Call::incoming(Instant::now(), config(EndpointKind::Mcu, 52000), 7 + n);
            outcomes.push(drive(call, stream, move |call, e| {
                if let Event::Incoming(_) = e {
                    if n == 0 {
                        call.proceed(Instant::now());
                        call.accept(Instant::now());
                    } else {
                        call.reject(
                            Instant::now(),
                            CauseValue::UnallocatedNumber,
                            Some(ReleaseCompleteReason::calledPartyNotRegistered(())),
                        );
                    }
                }
            }));
        }
        outcomes
    });

    let dial = |room: &str| Dial {
        destination: vec![Alias::DialedDigits(room.into())],
        called_number: Some(room.into()),
        address: format!("127.0.0.1:{port}").parse().unwrap(),
    };
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let call = Call::outgoing(
        Instant::now(),
        config(EndpointKind::Gateway, 42000),
        dial("1234"),
        1,
    );

    let first = drive(call, stream, |call, e| {
        // Hang up once the H.245 procedures had a moment to run.
        if let Event::H245(h323::h245::session::H245Event::RemoteCapabilities(_)) = e {
            call.hangup(Instant::now(), CauseValue::NormalCallClearing);
        }
    });
    assert!(first.contains(&Event::Connected), "{first:#?}");
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let call = Call::outgoing(
        Instant::now(),
        config(EndpointKind::Gateway, 42000),
        dial("9999"),
        2,
    );
    let second = drive(call, stream, |_, _| {});
    let callee_outcomes = callee.join().expect("callee thread");
    let refused = second.iter().find_map(|e| match e {
        Event::Released(r) => Some(r.clone()),
        _ => None,
    });
    assert_eq!(
        refused
            .unwrap_or_else(|| panic!("second call: {second:#?}"))
            .cause,
        CauseValue::UnallocatedNumber
    );
    assert_eq!(callee_outcomes.len(), 2);

    thread::sleep(Duration::from_millis(500));
    let _ = Command::new("kill")
        .args(["-INT", &capture.id().to_string()])
        .status();
    let _ = capture.wait();

    let bad = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args(["-Y", "_ws.malformed || _ws.expert.severity >= warning"])
        .output()
        .unwrap();
    let bad = String::from_utf8_lossy(&bad.stdout);
    assert!(bad.trim().is_empty(), "tshark found problems:\n{bad}");

    let fields = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            "q931",
            "-T",
            "fields",
            "-E",
            "separator=|",
            "-e",
            "q931.message_type",
            "-e",
            "h225.h323_message_body",
            "-e",
            "h225.dialledDigits",
            "-e",
            "q931.cause_value",
            "-e",
            "h225.reason",
            "-e",
            "h245.request",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&fields.stdout).to_string();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    // Q.931 message type codes: setup 0x05, callProceeding 0x02, connect 0x07, releaseComplete 0x5a.
    let types: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(types.first(), Some(&"0x05"), "{text}");
    assert!(types.contains(&"0x02") && types.contains(&"0x07"), "{text}");
    let setups: Vec<&Vec<&str>> = rows.iter().filter(|r| r[0] == "0x05").collect();
    assert_eq!(setups.len(), 2, "{text}");
    assert_eq!(setups[0][2], "1234");
    assert_eq!(setups[1][2], "9999");
    // The refusal: cause 1 and reason calledPartyNotRegistered (index 14 in H.225.0).
    let refusal = rows.iter().rev().find(|r| r[0] == "0x5a").unwrap();
    assert_eq!(refusal[3], "1", "{text}");
    assert_eq!(refusal[4], "14", "{text}");
    // Tunnelled H.245 was dissected: some request (TCS = 2, MSD = 1) inside H.225.0.
    assert!(
        rows.iter().any(|r| r[5].split(',').any(|v| v == "2")),
        "no tunnelled TCS seen:\n{text}"
    );

    let _ = std::fs::remove_dir_all(&dir);
}
