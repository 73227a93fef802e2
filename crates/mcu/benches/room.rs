//! The MCU room engine's per-room costs, per core, on the code the room task runs:
//! - `room4_audio_tick`: one 20 ms tick of a room of 4: RTP parse and jitter buffer of each
//!   participant's G.711 packet, µ-law decode, N−1 mix, encode per participant, RTP serialize
//!   (mixing rooms of 4 per core in real time = 20 ms / time);
//! - `room4_video_cif_2x2`: one CIF 2×2 composite of four moving pictures, OpenH264 encode at
//!   30 fps and RFC 6184 packetization (CIF 2×2 rooms at 30 fps per core = 1 / (30 · time)).
//!
//! Each runs twice: wall-clock time and this thread's CPU time (`…/cpu`), which leaves out time
//! spent waiting for a core on a busy machine.

#[path = "../../media/benches/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use criterion::measurement::Measurement;
use criterion::{criterion_group, criterion_main, Criterion};
use mcu::config::VideoConfig;
use mcu::media::audio::{AudioMix, AudioOut, ParticipantAudio};
use mcu::media::rtp_out::RtpOut;
use mcu::media::video::RoomVideo;
use mcu::room::LayoutChoice;
use media::g711::Law;
use media::rtp::{ClockRate, RtpPacket};
use media::tone::Tone;
use media::video::{test_pattern, I420Frame, Rect, Rgb, Yuv};

fn audio<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    let dest: SocketAddr = "127.0.0.1:40000".parse().unwrap();
    let mut parts: Vec<ParticipantAudio> = (0..4)
        .map(|i| ParticipantAudio {
            tx: Some(AudioOut {
                law: Law::Ulaw,
                rtp: RtpOut::new(i, 0, ClockRate::AUDIO_8K, dest, dest),
            }),
            ..ParticipantAudio::default()
        })
        .collect();
    let payloads: Vec<[u8; 160]> = (0..4)
        .map(|i| {
            let mut pcm = [0i16; 160];
            Tone::new(400.0 + 300.0 * f64::from(i), 5000, 8000).fill(&mut pcm);
            let mut g = [0u8; 160];
            Law::Ulaw.encode(&pcm, &mut g);
            g
        })
        .collect();
    let mut mix = AudioMix::default();
    let start = Instant::now();
    let mut n: u32 = 0;
    let mut buf = Vec::with_capacity(200);
    c.bench_function(&format!("room4_audio_tick{suffix}"), |b| {
        b.iter(|| {
            // A virtual clock: each iteration is the next 20 ms, each participant's packet
            // arrives on time, so the jitter buffer takes its steady-state path.
            n += 1;
            let now = start + Duration::from_millis(20) * n;
            for (i, p) in parts.iter_mut().enumerate() {
                let mut pkt = RtpPacket::new(0, n as u16, n * 160, i as u32 + 1);
                pkt.payload = &payloads[i];
                buf.clear();
                pkt.write(&mut buf).unwrap();
                let parsed = RtpPacket::parse(&buf).unwrap();
                p.rx.on_rtp(now, &parsed);
            }
            let mut refs: Vec<&mut ParticipantAudio> = parts.iter_mut().collect();
            mix.tick(now, n * 160, &mut refs, |_, _, bytes| {
                black_box(bytes);
            });
        })
    });
}

fn video<M: Measurement + 'static>(c: &mut Criterion<M>, suffix: &str) {
    // Four participants' pictures with a box moving across each, so every composite has motion.
    let bases: Vec<I420Frame> = ["red", "green", "blue", "yellow"]
        .iter()
        .map(|name| test_pattern(352, 288, Rgb::parse(name).unwrap(), name).unwrap())
        .collect();
    let inputs: Vec<Vec<I420Frame>> = (0..30)
        .map(|i| {
            bases
                .iter()
                .map(|b| {
                    let mut f = b.clone();
                    f.fill_rect(Rect::new(i * 10, 100 + i * 2, 48, 48), Yuv::WHITE);
                    f
                })
                .collect()
        })
        .collect();
    let config = VideoConfig {
        fps: 30.0,
        ..VideoConfig::default()
    };
    let mut room = RoomVideo::new(config, LayoutChoice::Grid2x2).unwrap();
    let start = Instant::now();
    let mut n: u32 = 0;
    c.bench_function(&format!("room4_video_cif_2x2{suffix}"), |b| {
        b.iter(|| {
            n += 1;
            let now = start + Duration::from_millis(34) * n;
            let frame = &inputs[n as usize % inputs.len()];
            let refs: Vec<Option<&I420Frame>> = frame.iter().map(Some).collect();
            // Every picture is new (a scene of its own), as with camera video.
            black_box(room.encode(now, n * 3000, &refs, u64::from(n)));
        })
    });
}

fn wall(c: &mut Criterion) {
    audio(c, "");
    video(c, "");
}

fn cpu(c: &mut Criterion<support::ThreadCpuTime>) {
    audio(c, "/cpu");
    video(c, "/cpu");
}

criterion_group!(wall_clock, wall);
criterion_group! {
    name = cpu_time;
    config = Criterion::default().with_measurement(support::ThreadCpuTime);
    targets = cpu
}
criterion_main!(wall_clock, cpu_time);
