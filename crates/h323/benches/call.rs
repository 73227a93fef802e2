//! The protocol core's CPU per call: a gateway-side and an MCU-side [`Call`] wired back to
//! back with no I/O (the test harness's `Pair`), through a whole fastStart call with tunnelled
//! H.245 as `cascade`'s gateway and MCU make it: Setup with eight proposals, CallProceeding and
//! Connect, the capability and master/slave exchange, then a release with ReleaseComplete. Both
//! sides' work is counted, as both run on the bench machine in `cascade bench`.
//!
//! `cargo bench -p h323 --bench call`
//!
//! [`Call`]: h323::call::Call

use criterion::{criterion_group, criterion_main, Criterion};
use h323::call::EndpointKind;
use h323::q931::CauseValue;

#[path = "../tests/call/pair.rs"]
#[allow(dead_code)]
mod pair;

/// One call, set up and released; `i` varies the seeds and the gateway's media ports, as
/// successive calls do.
fn call(i: u64) {
    let port = 20_000 + (i % 10_000) as u16 * 4;
    let mut p = pair::Pair::with_seeds(
        pair::config(EndpointKind::Gateway, port),
        pair::config(EndpointKind::Mcu, 40_000),
        (i, !i),
    );
    p.settle();
    p.callee.proceed(p.now);
    p.callee.accept(p.now);
    p.settle();
    p.caller.hangup(p.now, CauseValue::NormalCallClearing);
    p.settle();
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
