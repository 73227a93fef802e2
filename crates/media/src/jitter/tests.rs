//! Jitter buffer behaviour under a simulated network and a consumer ticking every 20 ms.

use super::*;
use proptest::prelude::*;

const MS: Duration = Duration::from_millis(1);

fn pkt(seq: u16, ts: u32) -> Packet<u16> {
    Packet {
        sequence: seq,
        timestamp: ts,
        marker: false,
        payload: seq,
    }
}

/// Delivers `arrivals` (packet, arrival offset) and pops once per 20 ms tick for `ticks` ticks.
fn run(
    jb: &mut JitterBuffer<u16>,
    t0: Instant,
    mut arrivals: Vec<(Packet<u16>, Duration)>,
    ticks: u32,
) -> Vec<Playout<u16>> {
    arrivals.sort_by_key(|a| a.1);
    let mut arrivals = arrivals.into_iter().peekable();
    let mut out = Vec::new();
    for k in 0..ticks {
        let now = t0 + MS * (20 * k + 5);
        while let Some((p, _)) = arrivals.next_if(|a| t0 + a.1 <= now) {
            let at = now;
            jb.push(at, p);
        }
        if let Some(p) = jb.pop(now) {
            out.push(p);
        }
    }
    out
}

fn seqs(out: &[Playout<u16>]) -> Vec<(u16, bool)> {
    out.iter()
        .map(|p| match p {
            Playout::Frame(f) => {
                assert_eq!(f.payload, f.sequence);
                (f.sequence, true)
            }
            Playout::Conceal { sequence, .. } => (*sequence, false),
        })
        .collect()
}

fn stream(n: u16) -> Vec<(Packet<u16>, Duration)> {
    (0..n)
        .map(|i| (pkt(i, 160 * u32::from(i)), MS * 20 * u32::from(i)))
        .collect()
}

#[test]
fn in_order_plays_every_frame_once() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::audio_8k_20ms());
    let out = run(&mut jb, t0, stream(50), 60);
    let s = seqs(&out);
    assert_eq!(s, (0..50).map(|i| (i, true)).collect::<Vec<_>>());
    assert_eq!(jb.stats().concealed, 0);
}

#[test]
fn loss_is_concealed_in_place() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::audio_8k_20ms());
    let mut a = stream(20);
    a.retain(|(p, _)| p.sequence != 5 && p.sequence != 6);
    let s = seqs(&run(&mut jb, t0, a, 30));
    let expect: Vec<_> = (0..20).map(|i| (i, i != 5 && i != 6)).collect();
    assert_eq!(s, expect);
}

#[test]
fn reordering_and_duplicates() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::audio_8k_20ms());
    let mut a = stream(20);
    // 6 overtakes 5 by 15 ms; 9 comes twice.
    a[5].1 += MS * 15;
    a.push((pkt(9, 9 * 160), MS * 185));
    let s = seqs(&run(&mut jb, t0, a, 30));
    assert_eq!(s, (0..20).map(|i| (i, true)).collect::<Vec<_>>());
    assert_eq!(jb.stats().duplicates, 1);
    // A duplicate of something already played is still recognised as a duplicate.
    assert_eq!(jb.push(t0 + MS * 700, pkt(3, 480)), PushOutcome::Duplicate);
}

#[test]
fn late_spike_grows_the_delay() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::audio_8k_20ms());
    let mut a = stream(60);
    for (p, at) in &mut a {
        if (20..25).contains(&p.sequence) {
            *at += MS * 200;
        }
    }
    let before = jb.delay();
    let s = seqs(&run(&mut jb, t0, a, 90));
    assert!(jb.delay() > before, "{:?}", jb.delay());
    assert!(jb.stats().late > 0);
    // Still strictly in order, nothing played twice.
    assert!(s.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn delay_shrinks_without_jitter_and_talkspurt_reanchors() {
    let t0 = Instant::now();
    let mut cfg = JitterConfig::audio_8k_20ms();
    cfg.initial_delay = MS * 120;
    let mut jb = JitterBuffer::new(cfg);
    let s = seqs(&run(&mut jb, t0, stream(300), 310));
    assert_eq!(jb.delay(), cfg.min_delay);
    assert!(jb.stats().skipped > 0);
    assert!(s.windows(2).all(|w| w[0].0 < w[1].0));

    // Silence suppression: after a 2 s gap the talkspurt (marker) re-anchors at target delay.
    let mut jb = JitterBuffer::new(cfg);
    let mut a = stream(10);
    let mut p = pkt(10, 160 * 110);
    p.marker = true;
    a.push((p, MS * 2200));
    a.push((pkt(11, 160 * 111), MS * 2220));
    let s = seqs(&run(&mut jb, t0, a, 130));
    assert_eq!(s, (0..12).map(|i| (i, true)).collect::<Vec<_>>());
    assert_eq!(jb.delay(), cfg.min_delay);
}

#[test]
fn video_releases_whole_frames() {
    let t0 = Instant::now();
    let mut jb = JitterBuffer::new(JitterConfig::video_90k());
    for (i, ts) in [(0u16, 0u32), (1, 0), (2, 0), (3, 3000), (5, 3000)] {
        jb.push(t0, pkt(i, ts));
    }
    assert!(jb.pop(t0).is_none());
    let at = jb.poll_timeout().unwrap();
    assert_eq!(at, t0 + MS * 100);
    let mut got = Vec::new();
    while let Some(p) = jb.pop(t0 + MS * 140) {
        got.push(p);
    }
    let s = seqs(&got);
    assert_eq!(
        s,
        vec![
            (0, true),
            (1, true),
            (2, true),
            (3, true),
            (4, false),
            (5, true)
        ]
    );
}

#[test]
fn far_jump_resyncs_and_memory_is_bounded() {
    let t0 = Instant::now();
    let cfg = JitterConfig::audio_8k_20ms();
    let mut jb = JitterBuffer::new(cfg);
    for i in 0..200u16 {
        jb.push(t0, pkt(i, u32::from(i) * 160));
        assert!(jb.len() <= cfg.capacity);
    }
    assert!(jb.stats().resyncs > 0);
    assert_eq!(jb.push(t0, pkt(30_000, 0)), PushOutcome::Resync);
    assert_eq!(jb.len(), 1);
}

#[derive(Debug, Clone)]
struct Net {
    lose: Vec<bool>,
    dup: Vec<bool>,
    delay_ms: Vec<u32>,
}

fn net(n: usize) -> impl Strategy<Value = Net> {
    (
        proptest::collection::vec(proptest::bool::weighted(0.1), n),
        proptest::collection::vec(proptest::bool::weighted(0.05), n),
        proptest::collection::vec(prop_oneof![8 => 0u32..40, 1 => 0u32..400], n),
    )
        .prop_map(|(lose, dup, delay_ms)| Net {
            lose,
            dup,
            delay_ms,
        })
}

proptest! {
    #[test]
    fn audio_under_loss_reorder_duplication(net in net(300), start in any::<u16>(), ts0 in any::<u32>()) {
        let t0 = Instant::now();
        let cfg = JitterConfig::audio_8k_20ms();
        let mut jb = JitterBuffer::new(cfg);
        let mut arrivals = Vec::new();
        for i in 0..300u32 {
            if net.lose[i as usize] { continue; }
            let seq = start.wrapping_add(i as u16);
            let p = Packet { sequence: seq, timestamp: ts0.wrapping_add(160 * i), marker: false, payload: seq };
            let at = MS * (20 * i + net.delay_ms[i as usize]);
            if net.dup[i as usize] { arrivals.push((p.clone(), at + MS * 3)); }
            arrivals.push((p, at));
        }
        arrivals.sort_by_key(|a| a.1);
        let mut arrivals = arrivals.into_iter().peekable();
        let mut ext = SeqExtender::new();
        let mut last = None;
        for k in 0..400u32 {
            let now = t0 + MS * (20 * k + 7);
            while let Some((p, _)) = arrivals.next_if(|a| t0 + a.1 <= now) {
                jb.push(now, p);
                prop_assert!(jb.len() <= cfg.capacity);
            }
            if let Some(out) = jb.pop(now) {
                let seq = match out {
                    Playout::Frame(f) => { prop_assert_eq!(f.payload, f.sequence); f.sequence }
                    Playout::Conceal { sequence, .. } => sequence,
                };
                let e = ext.extend(seq);
                prop_assert!(last.is_none_or(|l| e > l), "out of order: {} after {:?}", e, last);
                last = Some(e);
            }
            prop_assert!(jb.delay() <= cfg.max_delay);
        }
    }

    #[test]
    fn video_drain_never_out_of_order(net in net(200), start in any::<u16>()) {
        let t0 = Instant::now();
        let cfg = JitterConfig::video_90k();
        let mut jb = JitterBuffer::new(cfg);
        let mut arrivals = Vec::new();
        for i in 0..200u32 {
            if net.lose[i as usize] { continue; }
            let seq = start.wrapping_add(i as u16);
            // five packets per 30 fps frame
            let p = Packet { sequence: seq, timestamp: 3000 * (i / 5), marker: i % 5 == 4, payload: seq };
            let at = MS * (33 * (i / 5) + net.delay_ms[i as usize]);
            if net.dup[i as usize] { arrivals.push((p.clone(), at)); }
            arrivals.push((p, at));
        }
        arrivals.sort_by_key(|a| a.1);
        let mut arrivals = arrivals.into_iter().peekable();
        let mut ext = SeqExtender::new();
        let mut last = None;
        let mut frames = std::collections::HashSet::new();
        for k in 0..600u32 {
            let now = t0 + MS * (5 * k);
            while let Some((p, _)) = arrivals.next_if(|a| t0 + a.1 <= now) {
                jb.push(now, p);
                prop_assert!(jb.len() <= cfg.capacity);
            }
            let mut guard = 0;
            while let Some(out) = jb.pop(now) {
                guard += 1;
                prop_assert!(guard <= cfg.capacity + 1);
                let seq = match out {
                    Playout::Frame(f) => { prop_assert!(frames.insert(f.sequence)); f.sequence }
                    Playout::Conceal { sequence, .. } => sequence,
                };
                let e = ext.extend(seq);
                prop_assert!(last.is_none_or(|l| e > l));
                last = Some(e);
            }
        }
    }
}
