//! Throughput of the media hot paths, per core:
//! - `mix_4party_g711_20ms`: one 20 ms tick of a 4-party room, A-law decode of 4 inputs, N−1
//!   mix, A-law encode of 4 outputs (rooms per core in real time = 20 ms / time);
//! - `rtp_parse_rewrite_serialize`: one relayed 20 ms G.711 packet (packets/s per core);
//! - `composite_cif_2x2`: one CIF 2×2 continuous-presence picture from four CIF inputs;
//! - `openh264_encode_cif`: one CIF picture of moving content at 384 kbit/s
//!   (rooms at 30 fps per core ≈ 1 / (30 · (composite + encode))).
//!
//! Each runs twice: wall-clock time (criterion's default) and this thread's CPU time
//! (`…/cpu`), which leaves out time spent waiting for a core on a busy machine.

mod support;

use std::hint::black_box;
use std::time::Instant;

use criterion::measurement::Measurement;
use criterion::{criterion_group, criterion_main, Criterion};
use media::g711::Law;
use media::mixer::{Frame, Mixer, FRAME_SAMPLES};
use media::rtp::{ClockRate, Rewriter, RtpPacket};
use media::tone::Tone;
use media::video::{
    test_pattern, Compositor, EncoderSettings, H264Encoder, I420Frame, Layout, Rect, Rgb, Yuv,
};

fn mix<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    let mut encoded = [[0u8; FRAME_SAMPLES]; 4];
    for (i, e) in encoded.iter_mut().enumerate() {
        let mut pcm = [0i16; FRAME_SAMPLES];
        Tone::new(400.0 + 300.0 * i as f64, 5000, 8000).fill(&mut pcm);
        Law::Alaw.encode(&pcm, e);
    }
    let mut mixer = Mixer::new();
    let mut decoded: [Frame; 4] = [[0; FRAME_SAMPLES]; 4];
    let mut mixed: [Frame; 4] = [[0; FRAME_SAMPLES]; 4];
    let mut out = [[0u8; FRAME_SAMPLES]; 4];
    c.bench_function(&format!("mix_4party_g711_20ms{suffix}"), |b| {
        b.iter(|| {
            for (d, e) in decoded.iter_mut().zip(black_box(&encoded)) {
                Law::Alaw.decode(e, d);
            }
            let inputs = [
                Some(&decoded[0]),
                Some(&decoded[1]),
                Some(&decoded[2]),
                Some(&decoded[3]),
            ];
            mixer.mix_minus(&inputs, &mut mixed);
            for (o, m) in out.iter_mut().zip(&mixed) {
                Law::Alaw.encode(m, o);
            }
            black_box(&out);
        })
    });
}

fn relay<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    let payload = [0xd5u8; 160];
    let mut p = RtpPacket::new(8, 1000, 160_000, 0x1111_2222);
    p.payload = &payload;
    let input = p.to_vec().unwrap();
    let mut rw = Rewriter::new(0xabcd_ef01, ClockRate::AUDIO_8K, 7, 9);
    let now = Instant::now();
    let mut out = Vec::with_capacity(1500);
    let mut seq = 0u16;
    c.bench_function(&format!("rtp_parse_rewrite_serialize{suffix}"), |b| {
        b.iter(|| {
            let mut pkt = RtpPacket::parse(black_box(&input)).unwrap();
            // Advance the input like a live stream so the rewriter takes its normal path.
            seq = seq.wrapping_add(1);
            pkt.sequence = seq;
            pkt.timestamp = u32::from(seq) * 160;
            rw.rewrite_packet(now, &mut pkt);
            out.clear();
            pkt.write(&mut out).unwrap();
            black_box(&out);
        })
    });
}

fn cif_inputs() -> Vec<I420Frame> {
    ["red", "green", "blue", "yellow"]
        .iter()
        .map(|c| test_pattern(352, 288, Rgb::parse(c).unwrap(), c).unwrap())
        .collect()
}

fn composite<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    let inputs = cif_inputs();
    let refs: Vec<Option<&I420Frame>> = inputs.iter().map(Some).collect();
    let mut comp = Compositor::new(352, 288, Yuv::BLACK).unwrap();
    comp.force_layout(Some(Layout::Grid2x2));
    c.bench_function(&format!("composite_cif_2x2{suffix}"), |b| {
        b.iter(|| {
            black_box(comp.compose(black_box(&refs)));
        })
    });
}

fn encode<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    // Thirty composites with a white box moving across, so every picture has real motion.
    let inputs = cif_inputs();
    let refs: Vec<Option<&I420Frame>> = inputs.iter().map(Some).collect();
    let mut comp = Compositor::new(352, 288, Yuv::BLACK).unwrap();
    let frames: Vec<I420Frame> = (0..30)
        .map(|i| {
            let mut f = comp.compose(&refs).clone();
            f.fill_rect(Rect::new(i * 10, 100 + i * 2, 48, 48), Yuv::WHITE);
            f
        })
        .collect();
    let mut enc = H264Encoder::new(EncoderSettings::default()).unwrap();
    let mut i = 0;
    c.bench_function(&format!("openh264_encode_cif{suffix}"), |b| {
        b.iter(|| {
            i = (i + 1) % frames.len();
            black_box(enc.encode(&frames[i]).unwrap());
        })
    });
}

fn wall(c: &mut Criterion) {
    mix(c, "");
    relay(c, "");
    composite(c, "");
    encode(c, "");
}

fn cpu(c: &mut Criterion<support::ThreadCpuTime>) {
    mix(c, "/cpu");
    relay(c, "/cpu");
    composite(c, "/cpu");
    encode(c, "/cpu");
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(support::ThreadCpuTime);
    targets = cpu
}
criterion_main!(wall_clock, cpu_time);
