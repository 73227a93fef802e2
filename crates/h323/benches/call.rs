//! The protocol core's CPU per call: a gateway-side and an MCU-side [`Call`] wired back to
//! back, with no I/O, through a whole fastStart call with tunnelled H.245 as `cascade`'s
//! gateway and MCU make it: Setup with eight proposals, CallProceeding and Connect, the
//! capability and master/slave exchange, then a release with ReleaseComplete. Both sides'
//! work is counted, as both run on the bench machine in `cascade bench`.
//!
//! `cargo bench -p h323 --bench call`

use std::net::SocketAddr;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use h323::call::{Alias, Call, CallConfig, CallTimers, Dial, EndpointKind};
use h323::h245::capabilities::MediaCapabilities;
use h323::h245::msd::terminal_type;
use h323::h245::session::{H245Config, H245Timers, LocalMedia, MediaAddress};
use h323::q931::CauseValue;

fn config(kind: EndpointKind, ip: &str, media_base: u16) -> CallConfig {
    let m = |p: u16| -> SocketAddr { format!("{ip}:{p}").parse().unwrap() };
    CallConfig {
        kind,
        aliases: vec![Alias::H323Id(format!("{kind:?}"))],
        display: Some("VN Beijing".into()),
        signalling_address: None,
        h245: H245Config {
            terminal_type: if kind == EndpointKind::Mcu {
                terminal_type::MCU
            } else {
                terminal_type::GATEWAY
            },
            capabilities: MediaCapabilities::cascade_default(),
            media: LocalMedia {
                audio: Some(MediaAddress {
                    rtp: m(media_base),
                    rtcp: m(media_base + 1),
                }),
                video: Some(MediaAddress {
                    rtp: m(media_base + 2),
                    rtcp: m(media_base + 3),
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

/// Moves every message and event until both sides are quiet.
fn settle(now: Instant, a: &mut Call, b: &mut Call) {
    loop {
        let mut moved = false;
        while let Some(t) = a.poll_transmit() {
            moved = true;
            b.handle_input(now, t.channel, &t.bytes);
        }
        while let Some(t) = b.poll_transmit() {
            moved = true;
            a.handle_input(now, t.channel, &t.bytes);
        }
        while a.poll_event().is_some() {
            moved = true;
        }
        while b.poll_event().is_some() {
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

/// One call, set up and released; `i` varies the seeds and the gateway's media ports, as
/// successive calls do.
fn call(i: u64) {
    let now = Instant::now();
    let dial = Dial {
        destination: vec![Alias::DialedDigits("1234".into())],
        called_number: Some("1234".into()),
        address: "127.0.0.2:1720".parse().unwrap(),
    };
    let port = 20_000 + (i % 10_000) as u16 * 4;
    let gateway = config(EndpointKind::Gateway, "127.0.0.1", port);
    let mut caller = Call::outgoing(now, gateway, dial, i);
    let mut callee = Call::incoming(now, config(EndpointKind::Mcu, "127.0.0.2", 40_000), !i);
    settle(now, &mut caller, &mut callee);
    callee.proceed(now);
    callee.accept(now);
    settle(now, &mut caller, &mut callee);
    caller.hangup(now, CauseValue::NormalCallClearing);
    settle(now, &mut caller, &mut callee);
}

fn bench(c: &mut Criterion) {
    let mut i = 0u64;
    c.bench_function("call/fast_start_tunnelled_setup_and_release", |b| {
        b.iter(|| {
            i += 1;
            call(i)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
