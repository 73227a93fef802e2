//! Splicing relayed RTP sources into one outgoing stream with continuous SSRC, sequence number
//! and timestamp (what a media bridge does when the far end changes source: transfer, hold,
//! another speaker).
//!
//! Within one source the offsets stay fixed, so reordering and gaps pass through unchanged and
//! the receiver's loss and jitter statistics stay truthful. When the source changes (new SSRC,
//! or a jump larger than RFC 3550 A.1's `MAX_DROPOUT`/`MAX_MISORDER` within one SSRC) the
//! offsets are recomputed so that the next sequence number follows the highest one sent and the
//! timestamp advances by the wall-clock time elapsed since that packet, so playout timing holds.

use std::time::Instant;

use super::{ClockRate, RtpError, RtpPacket};

/// RFC 3550 A.1: a jump further ahead than this is a restart, not loss.
const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1: a packet further behind than this is a restart, not reordering.
const MAX_MISORDER: u16 = 100;

/// Output header fields for one input packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rewritten {
    /// The outgoing SSRC (always the rewriter's).
    pub ssrc: u32,
    /// The outgoing sequence number.
    pub sequence: u16,
    /// The outgoing timestamp.
    pub timestamp: u32,
    /// True when this packet starts a new source (callers of audio streams may set the marker).
    pub switched: bool,
}

#[derive(Clone, Copy, Debug)]
struct Mapping {
    source: u32,
    seq_offset: u16,
    ts_offset: u32,
    /// Highest input sequence number of this source.
    in_max: u16,
}

/// Rewrites SSRC, sequence number and timestamp of relayed packets. See the module doc.
#[derive(Clone, Debug)]
pub struct Rewriter {
    ssrc: u32,
    rate: ClockRate,
    first_seq: u16,
    first_ts: u32,
    current: Option<Mapping>,
    previous: Option<Mapping>,
    /// Highest sequence number sent, its timestamp and when it was sent.
    out_max: Option<(u16, u32, Instant)>,
}

impl Rewriter {
    /// A rewriter emitting `ssrc`, starting at `first_seq`/`first_ts` (RFC 3550 wants these
    /// random; the caller draws them so this core stays deterministic).
    pub fn new(ssrc: u32, rate: ClockRate, first_seq: u16, first_ts: u32) -> Self {
        Self {
            ssrc,
            rate,
            first_seq,
            first_ts,
            current: None,
            previous: None,
            out_max: None,
        }
    }

    /// The outgoing SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Maps one input packet's header fields, received at `now`.
    pub fn rewrite(&mut self, now: Instant, ssrc: u32, seq: u16, ts: u32) -> Rewritten {
        if let Some(m) = self.current.filter(|m| m.source == ssrc) {
            let ahead = seq.wrapping_sub(m.in_max);
            if ahead == 0 || ahead.wrapping_neg() <= MAX_MISORDER {
                return self.map(m, seq, ts, false);
            }
            if ahead < MAX_DROPOUT {
                let m = Mapping { in_max: seq, ..m };
                self.current = Some(m);
                let out = self.map(m, seq, ts, false);
                self.out_max = Some((out.sequence, out.timestamp, now));
                return out;
            }
        } else if let Some(m) = self.previous.filter(|m| m.source == ssrc) {
            // A late packet of the source we just left keeps its old mapping, so a reordered
            // tail does not flip the stream back and forth.
            if seq.wrapping_sub(m.in_max).wrapping_neg() <= MAX_MISORDER {
                return self.map(m, seq, ts, false);
            }
        }
        self.switch(now, ssrc, seq, ts)
    }

    /// Rewrites a parsed packet's header fields; returns whether the source switched.
    pub fn rewrite_packet(&mut self, now: Instant, packet: &mut RtpPacket<'_>) -> bool {
        let out = self.rewrite(now, packet.ssrc, packet.sequence, packet.timestamp);
        packet.ssrc = out.ssrc;
        packet.sequence = out.sequence;
        packet.timestamp = out.timestamp;
        out.switched
    }

    /// Rewrites a serialized packet in place (header fields only; CSRCs, extension and payload
    /// are untouched). The buffer is validated as RTP first.
    pub fn rewrite_in_place(
        &mut self,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Rewritten, RtpError> {
        let p = RtpPacket::parse(buf)?;
        let out = self.rewrite(now, p.ssrc, p.sequence, p.timestamp);
        buf[2..4].copy_from_slice(&out.sequence.to_be_bytes());
        buf[4..8].copy_from_slice(&out.timestamp.to_be_bytes());
        buf[8..12].copy_from_slice(&out.ssrc.to_be_bytes());
        Ok(out)
    }

    fn map(&self, m: Mapping, seq: u16, ts: u32, switched: bool) -> Rewritten {
        Rewritten {
            ssrc: self.ssrc,
            sequence: seq.wrapping_add(m.seq_offset),
            timestamp: ts.wrapping_add(m.ts_offset),
            switched,
        }
    }

    fn switch(&mut self, now: Instant, ssrc: u32, seq: u16, ts: u32) -> Rewritten {
        let (out_seq, out_ts) = match self.out_max {
            None => (self.first_seq, self.first_ts),
            Some((max_seq, max_ts, at)) => {
                let elapsed = self.rate.ticks_in(now.saturating_duration_since(at));
                // At least one tick, so timestamps never stand still across a switch.
                let step = u32::try_from(elapsed.max(1)).unwrap_or(u32::MAX);
                (max_seq.wrapping_add(1), max_ts.wrapping_add(step))
            }
        };
        let m = Mapping {
            source: ssrc,
            seq_offset: out_seq.wrapping_sub(seq),
            ts_offset: out_ts.wrapping_sub(ts),
            in_max: seq,
        };
        if self.current.is_some_and(|c| c.source != ssrc) {
            self.previous = self.current;
        }
        self.current = Some(m);
        self.out_max = Some((out_seq, out_ts, now));
        self.map(m, seq, ts, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn continuous_across_switches() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut r = Rewriter::new(0xabc, ClockRate::AUDIO_8K, 1000, 50_000);
        let a = r.rewrite(t0, 1, 65535, 7);
        assert_eq!(
            (a.ssrc, a.sequence, a.timestamp, a.switched),
            (0xabc, 1000, 50_000, true)
        );
        let b = r.rewrite(t0 + ms(20), 1, 0, 167);
        assert_eq!((b.sequence, b.timestamp, b.switched), (1001, 50_160, false));
        // A new source 60 ms after the last packet continues the stream.
        let c = r.rewrite(t0 + ms(80), 2, 4242, 999_999);
        assert_eq!(
            (c.sequence, c.timestamp, c.switched),
            (1002, 50_160 + 480, true)
        );
        let d = r.rewrite(t0 + ms(100), 2, 4243, 999_999 + 160);
        assert_eq!((d.sequence, d.timestamp), (1003, 50_160 + 640));
        // A late packet of source 1 keeps its own mapping and does not switch back.
        let late = r.rewrite(t0 + ms(101), 1, 65535, 7);
        assert_eq!(
            (late.sequence, late.timestamp, late.switched),
            (1000, 50_000, false)
        );
        let e = r.rewrite(t0 + ms(120), 2, 4244, 999_999 + 320);
        assert_eq!((e.sequence, e.switched), (1004, false));
        // Reordering within a source passes through.
        let f = r.rewrite(t0 + ms(140), 2, 4246, 999_999 + 640);
        let g = r.rewrite(t0 + ms(141), 2, 4245, 999_999 + 480);
        assert_eq!((f.sequence, g.sequence), (1006, 1005));
        // A jump beyond MAX_DROPOUT within one SSRC is a restart: continuous again.
        let h = r.rewrite(t0 + ms(160), 2, 20_000, 5);
        assert_eq!(
            (h.sequence, h.timestamp, h.switched),
            (1007, f.timestamp + 160, true)
        );
    }

    #[test]
    fn in_place() {
        let t0 = Instant::now();
        let mut r = Rewriter::new(9, ClockRate::AUDIO_8K, 1, 2);
        let mut p = RtpPacket::new(8, 100, 200, 300);
        p.payload = &[1, 2, 3];
        let mut bytes = p.to_vec().unwrap();
        r.rewrite_in_place(t0, &mut bytes).unwrap();
        let q = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(
            (q.ssrc, q.sequence, q.timestamp, q.payload),
            (9, 1, 2, &[1u8, 2, 3][..])
        );
        assert!(r.rewrite_in_place(t0, &mut [0u8; 3]).is_err());
    }
}
