//! Writes what the peer received: a Matroska file (H.264 as received, audio decoded to 16-bit
//! PCM at 8 kHz, both timed from RTP) through `media::mkv`, and the last decoded picture as PNG
//! through the `png` crate.
//!
//! The streams are kept in memory and written when the peer stops, so the file can declare a
//! video track only when video arrived (its CodecPrivate needs the SPS/PPS of a keyframe) and
//! interleave both tracks in time order. A test peer's recording is seconds to minutes long;
//! at the pattern's 256 kbit/s plus 128 kbit/s of PCM that is under 3 MB a minute.

use std::path::Path;

use anyhow::Context;
use media::mkv::{Frame, Muxer, Track};
use media::video::I420Frame;

use super::audio::FRAME;
use super::{AudioOutcome, VideoOutcome};

const VIDEO_TRACK: u64 = 1;
const AUDIO_TRACK: u64 = 2;

/// Writes the Matroska recording; returns a one-line summary.
pub fn write_recording(
    path: &Path,
    audio: &AudioOutcome,
    video: &VideoOutcome,
) -> anyhow::Result<String> {
    let mut tracks = vec![Track::pcm(AUDIO_TRACK, 8000, 1)];
    let mut frames: Vec<Frame> = Vec::new();
    let mut video_note = "no video".to_owned();
    if let Some((sps, pps, (w, h))) = &video.parameters {
        match Track::avc(VIDEO_TRACK, *w as u32, *h as u32, sps, pps) {
            Ok(t) => {
                tracks.insert(0, t);
                frames.extend(video.recorded.iter().map(|au| Frame {
                    track: VIDEO_TRACK,
                    timestamp_ms: au.ms,
                    keyframe: au.keyframe,
                    data: au.sample.clone(),
                }));
                video_note = format!("{} H.264 pictures {w}x{h}", video.recorded.len());
            }
            Err(e) => video_note = format!("video left out: {e}"),
        }
    }
    let start = audio.start_ms.unwrap_or(0);
    frames.extend(audio.pcm.chunks(FRAME).enumerate().map(|(i, chunk)| Frame {
        track: AUDIO_TRACK,
        timestamp_ms: start + i as u64 * 20,
        keyframe: true,
        data: chunk.iter().flat_map(|s| s.to_le_bytes()).collect(),
    }));
    // Stable: at equal times video stays before audio, as pushed.
    frames.sort_by_key(|f| f.timestamp_ms);
    let mut muxer = Muxer::new(tracks)?;
    let mut bytes = muxer.header();
    for f in &frames {
        muxer.push(f, &mut bytes)?;
    }
    muxer.finish(&mut bytes);
    std::fs::write(path, &bytes)
        .with_context(|| format!("cannot write the recording {}", path.display()))?;
    Ok(format!(
        "{} ({video_note}, {:.1} s of audio)",
        path.display(),
        audio.pcm.len() as f64 / 8000.0
    ))
}

/// Writes `frame` as an 8-bit RGB PNG.
pub fn write_snapshot(path: &Path, frame: &I420Frame) -> anyhow::Result<()> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot create the snapshot {}", path.display()))?;
    let mut encoder = png::Encoder::new(
        std::io::BufWriter::new(file),
        frame.width() as u32,
        frame.height() as u32,
    );
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().context("PNG header")?;
    writer
        .write_image_data(&frame.to_rgb24())
        .context("PNG data")?;
    writer.finish().context("PNG end")?;
    Ok(())
}

/// Writes whatever `args` asks for and notes it in the report.
pub fn save(
    args: &super::MediaArgs,
    audio: &AudioOutcome,
    video: &VideoOutcome,
    report: &mut super::report::Report,
) -> anyhow::Result<()> {
    if let Some(path) = &args.record {
        report.recording = Some(write_recording(path, audio, video)?);
    }
    if let Some(path) = &args.snapshot {
        match &video.last_frame {
            Some(f) => {
                write_snapshot(path, f)?;
                report.snapshot = Some(path.display().to_string());
            }
            None => {
                report.snapshot = Some(format!(
                    "{} not written: no picture was decoded",
                    path.display()
                ))
            }
        }
    }
    Ok(())
}
