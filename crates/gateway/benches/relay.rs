//! The media relay's hot path: `StreamRelay::process` (parse, RFC 3550 statistics, SSRC/seq/ts
//! rewrite, optional µ↔A transcoding, all in place), and one relay hop over real loopback UDP
//! sockets against a same-run direct hop (the added cost of going through the gateway).
//!
//! After the criterion groups, a latency run sends 20,000 packets one at a time, direct, through
//! a relay thread on blocking sockets, and through a relay task on a tokio runtime thread (as
//! the gateway runs it: the packet wakes the task through epoll, `rtp_sockets::send_now` sends
//! it on), and prints p50/p99 of each and the p99 differences.
//!
//! `cargo bench -p gateway --bench relay`

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use criterion::{black_box, criterion_group, Criterion, Throughput};
use gateway::media::stream::StreamRelay;
use media::g711::Law;
use media::rtp::{ClockRate, RtpPacket};

fn pcmu_packet(seq: u16) -> Vec<u8> {
    let payload = [0x55u8; 160];
    let mut p = RtpPacket::new(0, seq, u32::from(seq) * 160, 0x1234_5678);
    p.payload = &payload;
    p.to_vec().unwrap()
}

fn hot_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("relay");
    g.throughput(Throughput::Elements(1));
    for (name, transcode) in [
        ("rewrite_pcmu", None),
        ("rewrite_pcmu_to_pcma", Some((Law::Ulaw, Law::Alaw))),
    ] {
        let mut relay = StreamRelay::new(ClockRate::AUDIO_8K, 9, 100, 1000, 8);
        relay.set_transcode(transcode);
        let mut buf = pcmu_packet(0);
        let mut seq = 0u16;
        let t0 = Instant::now();
        g.bench_function(name, |b| {
            b.iter(|| {
                seq = seq.wrapping_add(1);
                buf[2..4].copy_from_slice(&seq.to_be_bytes());
                let now = t0 + Duration::from_micros(u64::from(seq) * 20);
                relay.process(now, black_box(&mut buf)).unwrap();
            })
        });
    }
    g.finish();
}

struct Hop {
    client: UdpSocket,
    relay_in: UdpSocket,
    relay_out: UdpSocket,
    sink: UdpSocket,
}

fn sockets() -> Hop {
    let s = || UdpSocket::bind("127.0.0.1:0").unwrap();
    Hop {
        client: s(),
        relay_in: s(),
        relay_out: s(),
        sink: s(),
    }
}

fn loopback(c: &mut Criterion) {
    let mut g = c.benchmark_group("relay_loopback");
    g.throughput(Throughput::Elements(1));
    let h = sockets();
    let sink = h.sink.local_addr().unwrap();
    let relay_in = h.relay_in.local_addr().unwrap();
    let packet = pcmu_packet(1);
    let mut buf = [0u8; 2048];
    g.bench_function("direct_hop", |b| {
        b.iter(|| {
            h.client.send_to(&packet, sink).unwrap();
            h.sink.recv_from(&mut buf).unwrap();
        })
    });
    let mut relay = StreamRelay::new(ClockRate::AUDIO_8K, 9, 100, 1000, 0);
    let mut rbuf = [0u8; 2048];
    let mut seq = 0u16;
    g.bench_function("relayed_hop", |b| {
        b.iter(|| {
            h.client.send_to(&packet, relay_in).unwrap();
            let (n, _) = h.relay_in.recv_from(&mut rbuf).unwrap();
            seq = seq.wrapping_add(1);
            rbuf[2..4].copy_from_slice(&seq.to_be_bytes());
            relay.process(Instant::now(), &mut rbuf[..n]).unwrap();
            h.relay_out.send_to(&rbuf[..n], sink).unwrap();
            h.sink.recv_from(&mut buf).unwrap();
        })
    });
    g.finish();
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// One-way latency, direct vs. through a relay thread vs. through a tokio relay task, 20,000
/// packets each.
fn latency() {
    const N: usize = 20_000;
    let h = sockets();
    let sink = h.sink.local_addr().unwrap();
    let relay_in = h.relay_in.local_addr().unwrap();
    let mut direct = one_at_a_time(N, &h.client, sink, &h.sink);
    let Hop {
        client,
        relay_in: rin,
        relay_out: rout,
        sink: sink_sock,
    } = h;
    let relay = std::thread::spawn(move || {
        let mut relay = StreamRelay::new(ClockRate::AUDIO_8K, 9, 100, 1000, 0);
        let mut b = [0u8; 2048];
        for _ in 0..N {
            let (n, _) = rin.recv_from(&mut b).unwrap();
            relay.process(Instant::now(), &mut b[..n]).unwrap();
            rout.send_to(&b[..n], sink).unwrap();
        }
    });
    let mut relayed = one_at_a_time(N, &client, relay_in, &sink_sock);
    relay.join().unwrap();
    let tokio_relayed = latency_tokio(N);
    let (d50, d99) = (percentile(&mut direct, 0.5), percentile(&mut direct, 0.99));
    let (r50, r99) = (
        percentile(&mut relayed, 0.5),
        percentile(&mut relayed, 0.99),
    );
    println!(
        "relay latency ({N} packets): direct p50 {d50:?} p99 {d99:?}; relayed p50 {r50:?} p99 {r99:?}; added p99 {:?}",
        r99.saturating_sub(d99)
    );
    let mut t = tokio_relayed;
    let (t50, t99) = (percentile(&mut t, 0.5), percentile(&mut t, 0.99));
    println!(
        "relay latency through a tokio task ({N} packets): p50 {t50:?} p99 {t99:?}; added p99 {:?}",
        t99.saturating_sub(d99)
    );
}

/// One-way latencies of `n` packets through a relay task on a tokio runtime thread.
fn latency_tokio(n: usize) -> Vec<Duration> {
    let h = sockets();
    let sink = h.sink.local_addr().unwrap();
    let relay_in = h.relay_in.local_addr().unwrap();
    let Hop {
        client,
        relay_in: rin,
        relay_out: rout,
        sink: sink_sock,
    } = h;
    let relay = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .unwrap();
        rt.block_on(async move {
            rin.set_nonblocking(true).unwrap();
            rout.set_nonblocking(true).unwrap();
            let rin = tokio::net::UdpSocket::from_std(rin).unwrap();
            let rout = tokio::net::UdpSocket::from_std(rout).unwrap();
            let mut relay = StreamRelay::new(ClockRate::AUDIO_8K, 9, 100, 1000, 0);
            let mut b = [0u8; 2048];
            for _ in 0..n {
                let (len, _) = rin.recv_from(&mut b).await.unwrap();
                relay.process(Instant::now(), &mut b[..len]).unwrap();
                let _ = rtp_sockets::send_now(&rout, &b[..len], sink);
            }
        });
    });
    let out = one_at_a_time(n, &client, relay_in, &sink_sock);
    relay.join().unwrap();
    out
}

/// Sends `n` packets from `client` to `to`, each after the previous one reached `sink`, and
/// returns each one's time on the way.
fn one_at_a_time(n: usize, client: &UdpSocket, to: SocketAddr, sink: &UdpSocket) -> Vec<Duration> {
    let mut buf = [0u8; 2048];
    (0..n)
        .map(|i| {
            let p = pcmu_packet(i as u16);
            let t = Instant::now();
            client.send_to(&p, to).unwrap();
            sink.recv_from(&mut buf).unwrap();
            t.elapsed()
        })
        .collect()
}

criterion_group!(benches, hot_path, loopback);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    latency();
}
