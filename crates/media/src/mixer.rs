//! N−1 audio mixing for a conference: every participant hears the sum of all the others.
//!
//! Frames are 20 ms at 8 kHz (160 samples of 16-bit PCM). The mix accumulates in `i32` once for
//! the whole room and subtracts each participant's own frame, so a room of N costs about 2N
//! additions per sample rather than N². The result is clamped to the `i16` range (saturation).
//!
//! Why a clamp and not a soft limiter: in a conference usually one person talks at a time and
//! G.711 speech peaks sit well below full scale, so sums rarely reach the rails; when they do, a
//! clamp touches only the samples that overflow, while a limiter would change the level of every
//! voice in the room, carry state from frame to frame, and make the mix no longer bit-exact (the
//! tests rely on "sum of the others" being exactly that). Participants with no frame this tick
//! (lost packet not yet concealed, muted, not yet joined) count as silence.

/// Samples per 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// One 20 ms, 8 kHz mono frame.
pub type Frame = [i16; FRAME_SAMPLES];

/// Reusable mixing state (the room's running sum), so a tick allocates nothing.
#[derive(Debug, Clone)]
pub struct Mixer {
    sum: [i32; FRAME_SAMPLES],
}

impl Default for Mixer {
    fn default() -> Self {
        Self::new()
    }
}

impl Mixer {
    /// A mixer.
    pub fn new() -> Self {
        Self {
            sum: [0; FRAME_SAMPLES],
        }
    }

    fn accumulate(&mut self, inputs: &[Option<&Frame>]) {
        self.sum = [0; FRAME_SAMPLES];
        for frame in inputs.iter().flatten() {
            for (acc, &s) in self.sum.iter_mut().zip(frame.iter()) {
                *acc += i32::from(s);
            }
        }
    }

    /// Writes into `outputs[i]` the sum of every input except `inputs[i]`. Participants beyond
    /// the shorter of the two slices are ignored for output but still heard by the others.
    pub fn mix_minus(&mut self, inputs: &[Option<&Frame>], outputs: &mut [Frame]) {
        self.accumulate(inputs);
        for (input, out) in inputs.iter().zip(outputs.iter_mut()) {
            match input {
                Some(own) => {
                    for ((o, &acc), &s) in out.iter_mut().zip(self.sum.iter()).zip(own.iter()) {
                        *o = clamp(acc - i32::from(s));
                    }
                }
                None => {
                    for (o, &acc) in out.iter_mut().zip(self.sum.iter()) {
                        *o = clamp(acc);
                    }
                }
            }
        }
    }

    /// Writes the sum of all inputs (for listen-only participants and recorders).
    pub fn mix_all(&mut self, inputs: &[Option<&Frame>], out: &mut Frame) {
        self.accumulate(inputs);
        for (o, &acc) in out.iter_mut().zip(self.sum.iter()) {
            *o = clamp(acc);
        }
    }
}

#[inline]
fn clamp(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tone::{goertzel_power, Tone};

    const FREQS: [f64; 4] = [500.0, 900.0, 1300.0, 1700.0];

    #[test]
    fn everyone_hears_the_others_and_not_themselves() {
        let mut frames = [[0i16; FRAME_SAMPLES]; 4];
        for (f, hz) in frames.iter_mut().zip(FREQS) {
            Tone::new(hz, 4000, 8000).fill(f);
        }
        // Participant 3 is silent this tick (no packet): it must still hear 0, 1 and 2.
        let inputs = [Some(&frames[0]), Some(&frames[1]), Some(&frames[2]), None];
        let mut out = [[0i16; FRAME_SAMPLES]; 4];
        Mixer::new().mix_minus(&inputs, &mut out);
        for (i, o) in out.iter().enumerate() {
            for (j, hz) in FREQS.iter().enumerate() {
                let amp = goertzel_power(o, *hz, 8000).sqrt();
                let audible = j != i && j != 3;
                if audible {
                    assert!((amp - 4000.0).abs() < 200.0, "{i} should hear {j}: {amp}");
                } else {
                    assert!(amp < 300.0, "{i} should not hear {j}: {amp}");
                }
            }
        }
        let mut all = [0i16; FRAME_SAMPLES];
        Mixer::new().mix_all(&inputs, &mut all);
        for hz in &FREQS[..3] {
            assert!(goertzel_power(&all, *hz, 8000).sqrt() > 3800.0);
        }
    }

    #[test]
    fn saturates_instead_of_wrapping() {
        let loud = [30_000i16; FRAME_SAMPLES];
        let quiet = [-30_000i16; FRAME_SAMPLES];
        let inputs = [Some(&loud), Some(&loud), Some(&loud), Some(&quiet)];
        let mut out = [[0i16; FRAME_SAMPLES]; 4];
        Mixer::new().mix_minus(&inputs, &mut out);
        assert!(out[3].iter().all(|&s| s == i16::MAX));
        assert!(out[0].iter().all(|&s| s == 30_000));
        let neg = [[i16::MIN; FRAME_SAMPLES]; 3];
        let inputs: Vec<_> = neg.iter().map(Some).collect();
        Mixer::new().mix_minus(&inputs, &mut out[..3]);
        assert!(out[0].iter().all(|&s| s == i16::MIN));
    }
}
