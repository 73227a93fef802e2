//! The peer's final report: packets, bytes, loss and jitter per stream and direction, pictures
//! decoded and their size, the received audio's level and the tones found in it, printed as text
//! or as one JSON object (`--json`) for tests and the demo.

use media::tone::goertzel_power;
use serde::Serialize;

use super::session::Counts;
use super::{AudioOutcome, VideoOutcome};

/// Goertzel block: 100 ms at 8 kHz, so the 10 Hz candidate spacing is exactly one DFT bin and a
/// tone on a candidate leaves its neighbours near zero.
const BLOCK: usize = 800;
/// Candidate frequencies: 50 Hz to 3950 Hz in steps of 10 Hz.
const CANDIDATES: std::ops::RangeInclusive<u32> = 5..=395;
/// The analysis looks at the last 4 s of received audio.
const WINDOW: usize = 4 * 8000;
/// Tones quieter than this (peak amplitude, about -50 dBFS) are not reported.
const MIN_TONE_AMPLITUDE: f64 = 100.0;
/// At most this many tones are reported.
const MAX_TONES: usize = 4;

/// A tone found in the received audio.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Tone {
    /// Frequency (to the 10 Hz candidate).
    pub hz: u32,
    /// Level of its peak amplitude relative to full scale.
    pub dbfs: f64,
}

/// The audio part of the report.
#[derive(Debug, Serialize)]
pub struct AudioReport {
    pub sent: Counts,
    pub received: Counts,
    /// RMS of the analysed window, in 16-bit units.
    pub rms: f64,
    /// The same in dBFS (full-scale sine = -3 dBFS).
    pub rms_dbfs: f64,
    /// Strongest tones first.
    pub tones: Vec<Tone>,
}

/// The video part of the report.
#[derive(Debug, Serialize)]
pub struct VideoReport {
    pub sent: Counts,
    pub received: Counts,
    pub frames_decoded: u64,
    /// `[width, height]` of the last decoded picture.
    pub last_resolution: Option<[usize; 2]>,
    pub idr_sent: u64,
    pub intra_requests_sent: u64,
    pub intra_requests_received: u64,
    /// Access units thrown away as incomplete or undecodable until the next keyframe.
    pub pictures_dropped: u64,
    /// Times a loss stopped decoding after pictures had been decoded ...
    pub interruptions: u64,
    /// ... and times decoding resumed at a keyframe after that.
    pub recoveries: u64,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    pub name: String,
    /// What the peer was connected to (the H.323 call or the VN terminal).
    pub leg: serde_json::Value,
    pub seconds: f64,
    pub audio: AudioReport,
    pub video: VideoReport,
    pub recording: Option<String>,
    pub snapshot: Option<String>,
}

fn dbfs(amplitude: f64) -> f64 {
    if amplitude <= 0.0 {
        -120.0
    } else {
        (20.0 * (amplitude / 32768.0).log10()).max(-120.0)
    }
}

/// Mean Goertzel power of `hz` over whole blocks of `samples`.
fn block_power(samples: &[i16], hz: f64) -> f64 {
    let blocks: Vec<&[i16]> = samples.chunks_exact(BLOCK).collect();
    if blocks.is_empty() {
        return 0.0;
    }
    blocks
        .iter()
        .map(|b| goertzel_power(b, hz, 8000))
        .sum::<f64>()
        / blocks.len() as f64
}

/// The strongest tones in `samples` (8 kHz): local maxima of the Goertzel bank above the floor.
pub fn find_tones(samples: &[i16]) -> Vec<Tone> {
    let powers: Vec<(u32, f64)> = CANDIDATES
        .map(|c| (c * 10, block_power(samples, f64::from(c * 10))))
        .collect();
    let mut peaks: Vec<(u32, f64)> = powers
        .iter()
        .enumerate()
        .filter(|&(i, &(_, p))| {
            let left = i.checked_sub(1).map_or(0.0, |j| powers[j].1);
            let right = powers.get(i + 1).map_or(0.0, |x| x.1);
            p > left && p >= right && p.sqrt() >= MIN_TONE_AMPLITUDE
        })
        .map(|(_, &x)| x)
        .collect();
    peaks.sort_by(|a, b| b.1.total_cmp(&a.1));
    peaks.truncate(MAX_TONES);
    peaks
        .into_iter()
        .map(|(hz, p)| Tone {
            hz,
            dbfs: (dbfs(p.sqrt()) * 10.0).round() / 10.0,
        })
        .collect()
}

/// RMS of `samples` in 16-bit units.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt()
}

impl Report {
    /// Summarises what the streams saw.
    pub fn new(
        name: &str,
        leg: serde_json::Value,
        seconds: f64,
        audio: &AudioOutcome,
        video: &VideoOutcome,
    ) -> Report {
        let window = &audio.pcm[audio.pcm.len().saturating_sub(WINDOW)..];
        let level = rms(window);
        Report {
            name: name.to_owned(),
            leg,
            seconds: (seconds * 10.0).round() / 10.0,
            audio: AudioReport {
                sent: audio.sent,
                received: audio.received,
                rms: level.round(),
                rms_dbfs: (dbfs(level) * 10.0).round() / 10.0,
                tones: find_tones(window),
            },
            video: VideoReport {
                sent: video.sent,
                received: video.received,
                frames_decoded: video.frames_decoded,
                last_resolution: video.last_frame.as_ref().map(|f| [f.width(), f.height()]),
                idr_sent: video.idr_sent,
                intra_requests_sent: video.intra_requests_sent,
                intra_requests_received: video.intra_requests_received,
                pictures_dropped: video.pictures_dropped,
                interruptions: video.interruptions,
                recoveries: video.recoveries,
            },
            recording: None,
            snapshot: None,
        }
    }

    /// Prints the report: JSON on one line, or a few lines for a person (the `Display` form).
    pub fn print(&self, json: bool) {
        if json {
            println!(
                "{}",
                serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            );
        } else {
            print!("{self}");
        }
    }

    /// The tones heard, strongest first, as "440 Hz (-9.1 dBFS), 660 Hz (...)" or "none".
    pub fn tones_text(&self) -> String {
        if self.audio.tones.is_empty() {
            return "none".to_owned();
        }
        self.audio
            .tones
            .iter()
            .map(|t| format!("{} Hz ({:.1} dBFS)", t.hz, t.dbfs))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A few lines for a person, each ending in a newline.
impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = &self.audio;
        let v = &self.video;
        writeln!(
            f,
            "{} after {:.1} s ({})",
            self.name, self.seconds, self.leg
        )?;
        writeln!(
            f,
            "  audio sent     {} packets, {} bytes (SSRC {:08x})",
            a.sent.packets, a.sent.bytes, a.sent.ssrc
        )?;
        writeln!(
            f,
            "  audio received {} packets, {} bytes, {} lost, jitter {:.1} ms; level {:.1} dBFS; tones: {}",
            a.received.packets,
            a.received.bytes,
            a.received.lost,
            a.received.jitter_ms,
            a.rms_dbfs,
            self.tones_text()
        )?;
        writeln!(
            f,
            "  video sent     {} packets, {} bytes, {} IDR, {} intra requests answered",
            v.sent.packets, v.sent.bytes, v.idr_sent, v.intra_requests_received
        )?;
        writeln!(
            f,
            "  video received {} packets, {} bytes, {} lost, jitter {:.1} ms; {} pictures decoded{}; {} intra requests sent",
            v.received.packets,
            v.received.bytes,
            v.received.lost,
            v.received.jitter_ms,
            v.frames_decoded,
            v.last_resolution
                .map(|[w, h]| format!(", last {w}x{h}"))
                .unwrap_or_default(),
            v.intra_requests_sent
        )?;
        if v.pictures_dropped > 0 {
            writeln!(
                f,
                "  video loss     {} pictures dropped; decoding stopped {} times, resumed {} times",
                v.pictures_dropped, v.interruptions, v.recoveries
            )?;
        }
        if let Some(r) = &self.recording {
            writeln!(f, "  recording      {r}")?;
        }
        if let Some(s) = &self.snapshot {
            writeln!(f, "  snapshot       {s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use media::tone::Tone as Sine;

    fn sine(hz: f64, amplitude: i16, n: usize) -> Vec<i16> {
        let mut s = vec![0; n];
        Sine::new(hz, amplitude, 8000).fill(&mut s);
        s
    }

    #[test]
    fn finds_two_tones_strongest_first_and_nothing_in_silence() {
        let a = sine(440.0, 8000, 16_000);
        let b = sine(660.0, 4000, 16_000);
        let mix: Vec<i16> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
        let tones = find_tones(&mix);
        assert_eq!(
            tones.iter().map(|t| t.hz).collect::<Vec<_>>(),
            [440, 660],
            "{tones:?}"
        );
        assert!((tones[0].dbfs - dbfs(8000.0)).abs() < 0.5, "{tones:?}");
        assert!(find_tones(&vec![0; 16_000]).is_empty());
    }

    #[test]
    fn rms_of_a_sine_is_peak_over_root_two() {
        let s = sine(1000.0, 10_000, 8000);
        assert!((rms(&s) - 10_000.0 / 2f64.sqrt()).abs() < 20.0);
    }
}
