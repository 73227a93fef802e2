//! What the peer tests share: running the real `cascade` binary, RTP mirrors on 127.0.0.1, and
//! ffmpeg/ffprobe as the oracle for recordings and snapshots (Goertzel only on audio ffmpeg
//! decoded).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use media::tone::goertzel_power;
use serde_json::Value;
use tokio::net::UdpSocket;
use tokio::sync::watch;

/// True when ffmpeg and ffprobe run. Without them: a failure under CI, a SKIP elsewhere.
pub fn ffmpeg_available(test: &str) -> bool {
    let ok = ["ffmpeg", "ffprobe"].iter().all(|tool| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: ffmpeg/ffprobe are required under CI but were not found"
        );
        println!("SKIP: {test}: ffmpeg not installed");
    }
    ok
}

/// Runs `cascade ARGS` to completion off the async runtime.
pub async fn cascade(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_cascade"))
            .args(&args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("run cascade")
    })
    .await
    .unwrap()
}

/// The JSON report on the last line of stdout.
pub fn report(out: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cascade failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: not a JSON report: {stdout}"))
}

/// Forwards every datagram arriving on `socket` to wherever `dest` says, until the socket
/// errors. Returns how many it forwarded (the task's result).
pub fn mirror(
    socket: Arc<UdpSocket>,
    dest: watch::Receiver<Option<SocketAddr>>,
) -> tokio::task::JoinHandle<u64> {
    mirror_dropping(socket, dest, None)
}

/// [`mirror`], except that it drops the `nth` datagram (counting from 1) it would forward.
pub fn mirror_dropping(
    socket: Arc<UdpSocket>,
    dest: watch::Receiver<Option<SocketAddr>>,
    nth: Option<u64>,
) -> tokio::task::JoinHandle<u64> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        let (mut forwarded, mut seen) = (0, 0);
        while let Ok((n, _)) = socket.recv_from(&mut buf).await {
            let to = *dest.borrow();
            if let Some(to) = to {
                seen += 1;
                if Some(seen) == nth {
                    continue;
                }
                if socket.send_to(&buf[..n], to).await.is_ok() {
                    forwarded += 1;
                }
            }
        }
        forwarded
    })
}

fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error"])
        .args(args)
        .output()
        .expect("run ffmpeg");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// ffprobe's view of a file's streams.
pub fn probe(path: &Path) -> Value {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(path)
        .output()
        .expect("run ffprobe");
    assert!(
        out.status.success(),
        "ffprobe {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The stream of `codec_type` ("audio"/"video") in ffprobe's answer.
pub fn stream<'a>(probe: &'a Value, codec_type: &str) -> Option<&'a Value> {
    probe["streams"]
        .as_array()?
        .iter()
        .find(|s| s["codec_type"] == codec_type)
}

/// The file's audio as ffmpeg decodes it: 8 kHz mono 16-bit.
pub fn decoded_audio(path: &Path) -> Vec<i16> {
    let p = path.to_str().unwrap();
    ffmpeg(&[
        "-i", p, "-map", "0:a:0", "-f", "s16le", "-ac", "1", "-ar", "8000", "-",
    ])
    .chunks_exact(2)
    .map(|b| i16::from_le_bytes([b[0], b[1]]))
    .collect()
}

/// The last picture of the file's video (or the image), as ffmpeg decodes it to RGB24.
pub fn last_picture(path: &Path, width: usize, height: usize) -> Vec<u8> {
    let p = path.to_str().unwrap();
    let raw = ffmpeg(&[
        "-i", p, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-",
    ]);
    let size = width * height * 3;
    assert!(
        raw.len() >= size && raw.len().is_multiple_of(size),
        "{} bytes of RGB24 is no whole number of {width}x{height} pictures",
        raw.len()
    );
    raw[raw.len() - size..].to_vec()
}

/// Mean RGB of the 16×16 block whose top-left corner is (x, y).
pub fn mean_rgb(rgb: &[u8], width: usize, x: usize, y: usize) -> [u8; 3] {
    let mut sum = [0u64; 3];
    for row in y..y + 16 {
        for col in x..x + 16 {
            for (c, s) in sum.iter_mut().enumerate() {
                *s += u64::from(rgb[(row * width + col) * 3 + c]);
            }
        }
    }
    sum.map(|s| (s / 256) as u8)
}

/// True when some 16×16 block in the picture (sampled on a grid) is close to `colour`.
pub fn shows(rgb: &[u8], width: usize, height: usize, colour: [u8; 3]) -> bool {
    (0..height - 16).step_by(16).any(|y| {
        (0..width - 16).step_by(16).any(|x| {
            let got = mean_rgb(rgb, width, x, y);
            got.iter().zip(colour).all(|(&g, c)| g.abs_diff(c) <= 40)
        })
    })
}

/// Asserts that the picture shows `colour` where the test pattern has no label: the middle of
/// the top band (the label is centred) and the left edge at mid-height.
pub fn assert_pattern_colour(rgb: &[u8], width: usize, height: usize, colour: [u8; 3], what: &str) {
    for (x, y) in [(width / 2 - 8, height / 8), (16, height / 2 - 8)] {
        let got = mean_rgb(rgb, width, x, y);
        let close = got.iter().zip(colour).all(|(&g, c)| g.abs_diff(c) <= 40);
        assert!(
            close,
            "{what}: block at ({x},{y}) is {got:?}, expected about {colour:?}"
        );
    }
}

/// Goertzel power of `hz` relative to the total power of `samples` (1.0 for a pure tone).
pub fn tone_share(samples: &[i16], hz: f64) -> f64 {
    let total: f64 =
        samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64;
    // A pure sine of peak A has mean power A²/2 and Goertzel power A².
    goertzel_power(samples, hz, 8000) / 2.0 / total.max(1.0)
}

/// The samples after the first non-silent one (the recording starts with the jitter delay).
pub fn skip_silence(samples: &[i16]) -> &[i16] {
    let start = samples
        .iter()
        .position(|&s| s.unsigned_abs() > 100)
        .unwrap_or(samples.len());
    &samples[start..]
}
