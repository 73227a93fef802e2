//! `cascade demo` with media, run as the user runs it and judged from the outside: the printed
//! report must show the VN terminal on room 1234's conference decoding 352x288 pictures and
//! hearing both endpoints' tones (440 and 660 Hz), each endpoint hearing the other and the VN
//! terminal (880 Hz), the terminal of the other conference hearing neither endpoint; and the
//! snapshot it names must be, for ffprobe and ffmpeg, a 352x288 PNG showing red and blue.

mod peer_support;

use std::path::Path;
use std::process::Command;

use peer_support::*;

/// The lines of `stdout` from the first one containing `header` to the next blank line.
fn section<'a>(stdout: &'a str, header: &str) -> Vec<&'a str> {
    stdout
        .lines()
        .skip_while(|l| !l.contains(header))
        .take_while(|l| !l.trim().is_empty())
        .collect()
}

/// The report block of the peer titled `title`: its title line and the indented lines after.
fn report_of<'a>(stdout: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = stdout.lines().skip_while(|l| !l.contains(title));
    let Some(first) = lines.next() else {
        panic!("no report for {title:?} in:\n{stdout}");
    };
    let indent = first.len() - first.trim_start().len();
    std::iter::once(first)
        .chain(lines.take_while(|l| l.len() - l.trim_start().len() > indent))
        .collect()
}

fn line_with<'a>(block: &[&'a str], what: &str) -> &'a str {
    block
        .iter()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no {what:?} line in {block:#?}"))
}

/// The tones heard on an "audio received" line ("tones: 660 Hz (-6.3 dBFS), 440 Hz (...)"):
/// those within 20 dB of the strongest, as mixing and G.711 leave weak products (2×660−440 is
/// 880 Hz) that nobody hears.
fn tones(line: &str) -> Vec<u32> {
    let list = line.split("tones:").nth(1).unwrap_or_default();
    let found: Vec<(u32, f64)> = list
        .split(',')
        .filter_map(|t| {
            let mut words = t.split_whitespace();
            let hz = words.next()?.parse().ok()?;
            let dbfs = words.nth(1)?.trim_start_matches('(').parse().ok()?;
            Some((hz, dbfs))
        })
        .collect();
    let loudest = found.iter().map(|t| t.1).fold(f64::MIN, f64::max);
    found
        .into_iter()
        .filter(|t| t.1 >= loudest - 20.0)
        .map(|t| t.0)
        .collect()
}

/// The number before " pictures decoded" and the size after "last " on a "video received" line.
fn pictures(line: &str) -> (u64, Option<String>) {
    let before = line.split(" pictures decoded").next().unwrap_or_default();
    let count = before
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let size = line
        .split("last ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .map(str::to_owned);
    (count, size)
}

#[test]
fn demo_reports_the_media_each_peer_received_and_writes_the_composite_snapshot() {
    if !ffmpeg_available("demo_media") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(["demo", "--media-seconds", "3", "--data"])
        .arg(&data)
        .env_remove("CASCADE_CONFIG")
        .env("CASCADE_LOG", "warn")
        .output()
        .expect("run cascade demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "cascade demo failed: {}\nstderr:\n{stderr}",
        out.status
    );

    let terminal = report_of(&stdout, "(cascaded into room 1234)");
    let heard = tones(line_with(&terminal, "audio received"));
    assert!(
        heard.contains(&440) && heard.contains(&660) && !heard.contains(&880),
        "the VN terminal should hear 440 and 660 Hz and not itself: {heard:?}"
    );
    let (count, size) = pictures(line_with(&terminal, "video received"));
    assert!(
        count > 0,
        "the VN terminal decoded no picture: {terminal:#?}"
    );
    assert_eq!(size.as_deref(), Some("352x288"), "{terminal:#?}");

    let other = report_of(&stdout, "(cascaded into room 5678)");
    let heard = tones(line_with(&other, "audio received"));
    assert!(
        !heard.contains(&440) && !heard.contains(&660),
        "room 5678's VN terminal should not hear room 1234: {heard:?}"
    );
    for (name, own, other) in [("endpoint A", 440, 660), ("endpoint B", 660, 440)] {
        let block = report_of(&stdout, &format!("{name} ("));
        let heard = tones(line_with(&block, "audio received"));
        assert!(
            heard.contains(&other) && heard.contains(&880) && !heard.contains(&own),
            "{name} should hear {other} and 880 Hz and not {own} Hz: {heard:?}"
        );
    }

    let summary = section(&stdout, "Summary");
    assert!(
        !summary.iter().any(|l| l.contains("UNEXPECTED")),
        "{summary:#?}"
    );
    let marker = "snapshot of the composite the VN terminal saw: ";
    let path = line_with(&summary, marker)
        .split(marker)
        .nth(1)
        .unwrap()
        .trim();
    let path = Path::new(path);
    assert!(
        path.starts_with(&data),
        "the snapshot goes into the data directory by default: {}",
        path.display()
    );

    // The oracle: ffprobe for what the file is, ffmpeg for its pixels.
    let probed = probe(path);
    let video = stream(&probed, "video").expect("ffprobe finds a picture in the snapshot");
    assert_eq!(video["codec_name"], "png", "{probed}");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(352), Some(288))
    );
    let rgb = last_picture(path, 352, 288);
    assert!(
        shows(&rgb, 352, 288, [255, 0, 0]),
        "no red region in the snapshot"
    );
    assert!(
        shows(&rgb, 352, 288, [0, 0, 255]),
        "no blue region in the snapshot"
    );
}
