//! Aligned-PER encode/decode speed of the two messages every call sends first:
//! a fastStart Setup (two OpenLogicalChannel proposals, G.711 A-law and µ-law)
//! and a TerminalCapabilitySet (G.711 A/µ, H.264 generic capability, H.263).
//!
//! `cargo bench -p h323 --bench per`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use h323::asn::h245::{MultimediaSystemControlMessage, RequestMessage};
use h323::h225::{build, Alias, CallId, ConferenceId, UserInfo};
use h323::per;

#[path = "../tests/oracle/h245_samples.rs"]
mod samples;

fn fast_start_setup() -> UserInfo {
    let mut s = build::Setup::new(CallId([0x5a; 16]), ConferenceId([0xa5; 16]));
    s.destination_aliases = vec![Alias::DialedDigits("1234".into())];
    s.source_aliases = vec![Alias::H323Id("cascade".into())];
    s.dest_call_signal_address = Some("192.0.2.10:1720".parse().unwrap());
    s.source_call_signal_address = Some("198.51.100.7:1720".parse().unwrap());
    s.fast_start = vec![
        per::encode(&samples::olc_g711(1, true)).unwrap(),
        per::encode(&samples::olc_g711(3, false)).unwrap(),
    ];
    UserInfo::new(s.build().unwrap()).with_h245_tunnelling(true)
}

fn bench(c: &mut Criterion) {
    let setup = fast_start_setup();
    let setup_bytes = setup.encode().unwrap();
    c.bench_function("setup_fast_start/encode", |b| {
        b.iter(|| black_box(&setup).encode().unwrap())
    });
    c.bench_function("setup_fast_start/decode", |b| {
        b.iter(|| UserInfo::decode(black_box(&setup_bytes)).unwrap())
    });

    let tcs = MultimediaSystemControlMessage::request(RequestMessage::terminalCapabilitySet(
        samples::tcs(1),
    ));
    let tcs_bytes = per::encode(&tcs).unwrap();
    c.bench_function("terminal_capability_set/encode", |b| {
        b.iter(|| per::encode(black_box(&tcs)).unwrap())
    });
    c.bench_function("terminal_capability_set/decode", |b| {
        b.iter(|| per::decode::<MultimediaSystemControlMessage>(black_box(&tcs_bytes)).unwrap())
    });
    println!(
        "sizes: fastStart Setup {} octets, TerminalCapabilitySet {} octets",
        setup_bytes.len(),
        tcs_bytes.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
