//! Extending 16-bit sequence numbers and 32-bit timestamps to 64 bits across wrap-around.
//!
//! RFC 3550 A.1 counts sequence-number cycles and treats a number as "newer" when it is less than
//! half the number space ahead. [`SeqExtender`] does that and also places late packets from
//! before a wrap in the previous cycle (A.1's `update_seq` only ever counts forward, which makes
//! a reordered 65535 after a 0 look 65535 packets ahead). The probation and dropout rules of A.1
//! live in [`crate::stats`], where the statistics they protect are.

/// Extends 16-bit RTP sequence numbers to a monotonic 64-bit space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeqExtender {
    max: Option<u64>,
}

/// Extends `value` (of `bits` width) to the 64-bit number closest to `reference`.
fn extend_near(reference: u64, value: u64, bits: u32) -> u64 {
    let span = 1u64 << bits;
    let half = span / 2;
    let mask = span - 1;
    let cycle = reference & !mask;
    let candidate = cycle | value;
    if candidate + half < reference {
        candidate + span
    } else if candidate > reference + half && candidate >= span {
        candidate - span
    } else {
        candidate
    }
}

impl SeqExtender {
    /// A fresh extender; the first value starts in cycle 1 so that earlier packets stay positive.
    pub const fn new() -> Self {
        Self { max: None }
    }

    /// Extends `seq` relative to the highest value seen so far, and remembers it if it is newer.
    pub fn extend(&mut self, seq: u16) -> u64 {
        let ext = match self.max {
            None => (1 << 16) | u64::from(seq),
            Some(max) => extend_near(max, u64::from(seq), 16),
        };
        if self.max.is_none_or(|m| ext > m) {
            self.max = Some(ext);
        }
        ext
    }

    /// The highest extended sequence number seen.
    pub fn max(&self) -> Option<u64> {
        self.max
    }
}

/// Extends 32-bit RTP timestamps to 64 bits, relative to the most recent newer timestamp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimestampExtender {
    max: Option<u64>,
}

impl TimestampExtender {
    /// A fresh extender; the first value starts in cycle 1 so that earlier timestamps stay positive.
    pub const fn new() -> Self {
        Self { max: None }
    }

    /// Extends `ts`; a timestamp less than 2^31 ticks behind the newest is taken as older.
    pub fn extend(&mut self, ts: u32) -> u64 {
        let ext = match self.max {
            None => (1 << 32) | u64::from(ts),
            Some(max) => extend_near(max, u64::from(ts), 32),
        };
        if self.max.is_none_or(|m| ext > m) {
            self.max = Some(ext);
        }
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wraps_forward_and_places_late_packets_before_the_wrap() {
        let mut e = SeqExtender::new();
        let a = e.extend(65534);
        let b = e.extend(65535);
        let c = e.extend(0);
        let d = e.extend(65533); // reordered, from before the wrap
        let f = e.extend(1);
        assert_eq!(b, a + 1);
        assert_eq!(c, a + 2);
        assert_eq!(d, a - 1);
        assert_eq!(f, a + 3);
        assert_eq!(e.max(), Some(f));
    }

    #[test]
    fn timestamps_wrap() {
        let mut e = TimestampExtender::new();
        let a = e.extend(u32::MAX - 159);
        let b = e.extend(0);
        assert_eq!(b - a, 160);
        assert_eq!(e.extend(u32::MAX - 319), a - 160);
    }

    proptest! {
        #[test]
        fn monotonic_stream_with_small_reordering(start in any::<u16>(), steps in proptest::collection::vec(0u64..3000, 1..200)) {
            let mut e = SeqExtender::new();
            let first = e.extend(start);
            let mut truth = first;
            for step in steps {
                truth += step;
                prop_assert_eq!(e.extend((truth & 0xffff) as u16), truth);
                // a packet 100 behind, re-sent late, lands in the right place too
                if truth >= first + 100 {
                    prop_assert_eq!(e.extend(((truth - 100) & 0xffff) as u16), truth - 100);
                }
            }
        }
    }
}
