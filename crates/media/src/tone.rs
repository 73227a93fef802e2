//! Test signals: a phase-continuous sine generator and a Goertzel detector that measures the
//! power of one frequency. Tests use them to prove who hears whom in a mix; DTMF-style detection
//! could reuse the detector.

use std::f64::consts::TAU;

/// A sine generator that keeps its phase across calls, so consecutive frames join smoothly.
#[derive(Debug, Clone)]
pub struct Tone {
    step: f64,
    phase: f64,
    amplitude: f64,
}

impl Tone {
    /// A sine of `freq_hz` and peak `amplitude` sampled at `sample_rate` Hz.
    pub fn new(freq_hz: f64, amplitude: i16, sample_rate: u32) -> Self {
        Self {
            step: TAU * freq_hz / f64::from(sample_rate.max(1)),
            phase: 0.0,
            amplitude: f64::from(amplitude),
        }
    }

    /// Writes the next `out.len()` samples.
    pub fn fill(&mut self, out: &mut [i16]) {
        for s in out {
            // |amplitude| <= 32768 and |sin| <= 1, so the cast cannot overflow.
            *s = (self.amplitude * self.phase.sin()).round() as i16;
            self.phase = (self.phase + self.step) % TAU;
        }
    }
}

/// Goertzel power of `freq_hz` in `samples`, normalised so that a pure sine of peak amplitude A
/// at that frequency gives about A² (exactly A² when the frequency falls on a DFT bin).
pub fn goertzel_power(samples: &[i16], freq_hz: f64, sample_rate: u32) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let coeff = 2.0 * (TAU * freq_hz / f64::from(sample_rate.max(1))).cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let n = samples.len() as f64;
    (s1 * s1 + s2 * s2 - coeff * s1 * s2) * 4.0 / (n * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_its_own_tone_only() {
        let mut t = Tone::new(1000.0, 8000, 8000);
        let mut buf = [0i16; 160];
        t.fill(&mut buf);
        let on = goertzel_power(&buf, 1000.0, 8000);
        let off = goertzel_power(&buf, 1550.0, 8000);
        assert!((on.sqrt() - 8000.0).abs() < 50.0, "amplitude {}", on.sqrt());
        assert!(off.sqrt() < 400.0, "leak {}", off.sqrt());
        assert_eq!(goertzel_power(&[], 1000.0, 8000), 0.0);
    }

    #[test]
    fn phase_continues_across_frames() {
        let mut a = Tone::new(440.0, 1000, 8000);
        let mut whole = [0i16; 320];
        a.fill(&mut whole);
        let mut b = Tone::new(440.0, 1000, 8000);
        let mut halves = [0i16; 320];
        b.fill(&mut halves[..160]);
        b.fill(&mut halves[160..]);
        assert_eq!(whole, halves);
    }
}
