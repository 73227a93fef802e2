//! RTP media time: a tick count that carries its clock rate, so 8 kHz audio ticks and 90 kHz
//! video ticks cannot be mixed up, and conversions to and from [`Duration`] are in one place.

use std::num::NonZeroU32;
use std::time::Duration;

/// An RTP clock rate in Hz (8000 for G.711, 90000 for video).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClockRate(NonZeroU32);

impl ClockRate {
    /// 8 kHz: G.711 and most narrowband audio.
    pub const AUDIO_8K: Self = Self(NonZeroU32::MIN.saturating_add(7999));
    /// 90 kHz: every RTP video payload format.
    pub const VIDEO_90K: Self = Self(NonZeroU32::MIN.saturating_add(89_999));

    /// A clock rate; `None` for 0 Hz.
    pub const fn new(hz: u32) -> Option<Self> {
        match NonZeroU32::new(hz) {
            Some(n) => Some(Self(n)),
            None => None,
        }
    }

    /// The rate in Hz.
    pub const fn hz(self) -> u32 {
        self.0.get()
    }

    /// Ticks in `d`, rounded down.
    pub fn ticks_in(self, d: Duration) -> u64 {
        let ticks = d.as_nanos() * u128::from(self.hz()) / 1_000_000_000;
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }

    /// Duration of `ticks`.
    pub fn duration_of(self, ticks: u64) -> Duration {
        let nanos = u128::from(ticks) * 1_000_000_000 / u128::from(self.hz());
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

/// A point or span on an RTP media clock: signed ticks at a given rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RtpTime {
    ticks: i64,
    rate: ClockRate,
}

impl RtpTime {
    /// `ticks` at `rate`.
    pub const fn new(ticks: i64, rate: ClockRate) -> Self {
        Self { ticks, rate }
    }

    /// A duration expressed in ticks of `rate` (rounded down).
    pub fn from_duration(d: Duration, rate: ClockRate) -> Self {
        Self::new(i64::try_from(rate.ticks_in(d)).unwrap_or(i64::MAX), rate)
    }

    /// The tick count.
    pub const fn ticks(self) -> i64 {
        self.ticks
    }

    /// The clock rate.
    pub const fn rate(self) -> ClockRate {
        self.rate
    }

    /// The 32-bit value that goes on the wire (ticks modulo 2^32).
    pub const fn to_wire(self) -> u32 {
        self.ticks as u32
    }

    /// This time as a duration since tick 0; negative times give zero.
    pub fn as_duration(self) -> Duration {
        self.rate
            .duration_of(u64::try_from(self.ticks).unwrap_or(0))
    }

    /// The same instant at another clock rate, rounded toward negative infinity.
    pub fn rebase(self, rate: ClockRate) -> Self {
        let t = i128::from(self.ticks) * i128::from(rate.hz());
        let t = t.div_euclid(i128::from(self.rate.hz()));
        Self::new(
            i64::try_from(t).unwrap_or(if t < 0 { i64::MIN } else { i64::MAX }),
            rate,
        )
    }

    /// `self + other`, with `other` converted to this clock rate first.
    pub fn saturating_add(self, other: Self) -> Self {
        Self::new(
            self.ticks.saturating_add(other.rebase(self.rate).ticks),
            self.rate,
        )
    }

    /// `self - other`, with `other` converted to this clock rate first.
    pub fn saturating_sub(self, other: Self) -> Self {
        Self::new(
            self.ticks.saturating_sub(other.rebase(self.rate).ticks),
            self.rate,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let r = ClockRate::AUDIO_8K;
        assert_eq!(r.hz(), 8000);
        assert_eq!(ClockRate::VIDEO_90K.hz(), 90_000);
        assert_eq!(r.ticks_in(Duration::from_millis(20)), 160);
        assert_eq!(r.duration_of(160), Duration::from_millis(20));
        let t = RtpTime::from_duration(Duration::from_millis(20), ClockRate::VIDEO_90K);
        assert_eq!(t.ticks(), 1800);
        assert_eq!(t.rebase(r).ticks(), 160);
        assert_eq!(t.as_duration(), Duration::from_millis(20));
        assert_eq!(
            RtpTime::new(-1, r).rebase(ClockRate::VIDEO_90K).ticks(),
            -12
        );
        let sum = RtpTime::new(160, r).saturating_add(t);
        assert_eq!((sum.ticks(), sum.rate()), (320, r));
        assert_eq!(RtpTime::new(160, r).saturating_sub(t).ticks(), 0);
        assert_eq!(RtpTime::new(1 << 32 | 5, r).to_wire(), 5);
        assert!(ClockRate::new(0).is_none());
    }
}
