//! Matroska files from `media::mkv`, judged by ffprobe and ffmpeg: H.264 from OpenH264 plus PCM
//! probes as h264 352x288 and pcm_s16le 8 kHz mono, decodes to the colour and the samples it
//! was made of, and an audio-only file (no video received) is still valid.

mod support;

use std::process::Command;

use media::h264::{nal_type, NAL_PPS, NAL_SPS};
use media::mkv::{avc_sample, Frame, Muxer, Track};
use media::video::{test_pattern, EncoderSettings, H264Encoder, Rgb};
use support::temp_path;

fn have_ffmpeg(test: &str) -> bool {
    let ok = ["ffmpeg", "ffprobe"].iter().all(|t| {
        Command::new(t)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: ffmpeg is required under CI"
        );
        println!("SKIP: {test}: ffmpeg not installed");
    }
    ok
}

fn run(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn probe(path: &str) -> serde_like::Streams {
    serde_like::parse(&run(
        "ffprobe",
        &[
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height,sample_rate,channels",
            "-of",
            "csv=p=0",
            path,
        ],
    ))
}

/// ffprobe's CSV output, one stream per line (no JSON parser in this crate's dev-dependencies).
mod serde_like {
    pub type Streams = Vec<Vec<String>>;
    pub fn parse(out: &[u8]) -> Streams {
        String::from_utf8_lossy(out)
            .lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    }
}

fn pcm_frame(i: u64) -> Frame {
    // A 1 kHz square-ish ramp, distinct enough to find again after ffmpeg.
    let samples: Vec<i16> = (0..160)
        .map(|k| if k % 8 < 4 { 8000 } else { -8000 })
        .collect();
    Frame {
        track: 2,
        timestamp_ms: i * 20,
        keyframe: true,
        data: samples.iter().flat_map(|s| s.to_le_bytes()).collect(),
    }
}

#[test]
fn h264_and_pcm_recording_probes_and_decodes() {
    if !have_ffmpeg("h264_and_pcm_recording_probes_and_decodes") {
        return;
    }
    let picture = test_pattern(352, 288, Rgb::new(0, 200, 0), "MKV").unwrap();
    let mut enc = H264Encoder::new(EncoderSettings {
        fps: 15.0,
        ..EncoderSettings::default()
    })
    .unwrap();
    let mut pictures = Vec::new();
    for _ in 0..15 {
        let e = enc.encode(&picture).unwrap();
        if !e.nals.is_empty() {
            pictures.push(e);
        }
    }
    let first = &pictures[0];
    let find = |t| first.nals.iter().find(|n| nal_type(n) == t).unwrap();
    let tracks = vec![
        Track::avc(1, 352, 288, find(NAL_SPS), find(NAL_PPS)).unwrap(),
        Track::pcm(2, 8000, 1),
    ];
    let mut frames: Vec<Frame> = pictures
        .iter()
        .enumerate()
        .map(|(i, p)| Frame {
            track: 1,
            timestamp_ms: i as u64 * 66,
            keyframe: p.keyframe,
            data: avc_sample(&p.nals),
        })
        .collect();
    frames.extend((0..50).map(pcm_frame));
    frames.sort_by_key(|f| f.timestamp_ms);
    let mut m = Muxer::new(tracks).unwrap();
    let mut bytes = m.header();
    for f in &frames {
        m.push(f, &mut bytes).unwrap();
    }
    m.finish(&mut bytes);
    let path = temp_path("av.mkv");
    std::fs::write(&path, &bytes).unwrap();
    let p = path.to_str().unwrap();

    let streams = probe(p);
    assert_eq!(streams.len(), 2, "{streams:?}");
    assert_eq!(streams[0][..3], ["h264", "352", "288"], "{streams:?}");
    assert_eq!(streams[1][0], "pcm_s16le", "{streams:?}");
    assert!(streams[1].contains(&"8000".to_owned()) && streams[1].contains(&"1".to_owned()));

    // Every picture decodes, and the last one is the green it was.
    let rgb = run(
        "ffmpeg",
        &[
            "-v", "error", "-i", p, "-map", "0:v", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
        ],
    );
    let size = 352 * 288 * 3;
    assert_eq!(rgb.len() / size, pictures.len());
    let last = &rgb[rgb.len() - size..];
    let px = &last[(20 * 352 + 176) * 3..][..3];
    assert!(px[1] > 160 && px[0] < 50 && px[2] < 50, "{px:?}");

    // The PCM comes back sample for sample.
    let pcm = run(
        "ffmpeg",
        &["-v", "error", "-i", p, "-map", "0:a", "-f", "s16le", "-"],
    );
    assert_eq!(pcm.len(), 50 * 160 * 2);
    assert_eq!(pcm[..bytes_of_first_frame().len()], bytes_of_first_frame());
    let _ = std::fs::remove_file(&path);
}

fn bytes_of_first_frame() -> Vec<u8> {
    pcm_frame(0).data
}

#[test]
fn audio_only_file_is_valid() {
    if !have_ffmpeg("audio_only_file_is_valid") {
        return;
    }
    let mut m = Muxer::new(vec![Track::pcm(2, 8000, 1)]).unwrap();
    let mut bytes = m.header();
    // 7 s, so a cluster boundary falls inside.
    for i in 0..350 {
        m.push(&pcm_frame(i), &mut bytes).unwrap();
    }
    m.finish(&mut bytes);
    let path = temp_path("a.mkv");
    std::fs::write(&path, &bytes).unwrap();
    let p = path.to_str().unwrap();
    let streams = probe(p);
    assert_eq!(streams.len(), 1, "{streams:?}");
    assert_eq!(streams[0][0], "pcm_s16le");
    let pcm = run(
        "ffmpeg",
        &["-v", "error", "-i", p, "-map", "0:a", "-f", "s16le", "-"],
    );
    assert_eq!(pcm.len(), 350 * 160 * 2);
    let _ = std::fs::remove_file(&path);
}
