//! TCP stream reassembly for one direction of one connection, by sequence number: retransmitted,
//! duplicated and overlapping segments are trimmed, out-of-order segments wait for the gap before
//! them, keep-alive probes (one old byte) vanish. Pure: segments in, stream bytes out.
//!
//! Written by hand because the maintained Rust packet crates stop at header parsing; the
//! reassembly crates that exist pull in a capture engine. This is the part Wireshark calls
//! "TCP analysis", reduced to what a signalling decoder needs.

use std::collections::BTreeMap;

/// Out-of-order data we are willing to hold before declaring the hole lost.
const MAX_PENDING_BYTES: usize = 1 << 20;
/// A segment further ahead than this is not this stream any more (a new connection on the same
/// ports whose SYN was not captured); start over from it.
const MAX_JUMP: u32 = 1 << 24;

/// What a segment gave the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The next bytes of the stream, in order.
    Data(Vec<u8>),
    /// Bytes that were never captured: the stream continues after a hole of this many bytes.
    Gap(u64),
    /// The stream starts again from scratch (a new SYN, or a sequence jump no connection makes).
    Restart,
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub struct Reassembler {
    /// Sequence number of the next byte we expect, once known.
    next: Option<u32>,
    /// Initial sequence number of the SYN we saw, to tell a retransmitted SYN from a new one.
    isn: Option<u32>,
    /// Segments ahead of `next`, keyed by how far ahead they start.
    pending: BTreeMap<u32, Vec<u8>>,
    pending_bytes: usize,
}

impl Reassembler {
    /// Feeds one segment; returns what it makes available, in stream order.
    pub fn push(&mut self, seq: u32, syn: bool, payload: &[u8]) -> Vec<Delivery> {
        let mut out = Vec::new();
        let mut seq = seq;
        if syn {
            match self.isn {
                Some(isn) if isn == seq => {} // a retransmitted SYN
                _ => {
                    if self.next.is_some() {
                        out.push(Delivery::Restart);
                    }
                    *self = Self {
                        isn: Some(seq),
                        next: Some(seq.wrapping_add(1)),
                        ..Self::default()
                    };
                }
            }
            seq = seq.wrapping_add(1);
        }
        if payload.is_empty() {
            return out;
        }
        let next = match self.next {
            Some(n) => n,
            None => {
                // Capture began mid-connection: the first data we see starts the stream.
                self.next = Some(seq);
                seq
            }
        };
        let ahead = seq.wrapping_sub(next);
        if (MAX_JUMP..=u32::MAX - MAX_JUMP).contains(&ahead) {
            out.push(Delivery::Restart);
            *self = Self {
                next: Some(seq),
                ..Self::default()
            };
            return self.accept_in_order(payload, out);
        }
        // `ahead` in the top half means the segment starts before `next`: old bytes.
        if ahead > u32::MAX / 2 {
            let old = (next.wrapping_sub(seq)) as usize;
            if payload.len() <= old {
                return out; // pure retransmission or keep-alive
            }
            return self.accept_in_order(&payload[old..], out);
        }
        if ahead == 0 {
            return self.accept_in_order(payload, out);
        }
        // Ahead of a hole: keep the longest copy at each offset.
        let keep = match self.pending.get(&ahead) {
            Some(existing) => existing.len() < payload.len(),
            None => true,
        };
        if keep {
            self.pending_bytes += payload.len();
            if let Some(old) = self.pending.insert(ahead, payload.to_vec()) {
                self.pending_bytes -= old.len();
            }
        }
        if self.pending_bytes > MAX_PENDING_BYTES {
            out = self.skip_hole(out);
        }
        out
    }

    /// Gives up on every hole: delivers all held segments with `Gap`s between them. Call at the
    /// end of the capture so data stranded behind a lost segment is still decoded.
    pub fn flush(&mut self) -> Vec<Delivery> {
        let mut out = Vec::new();
        while !self.pending.is_empty() {
            out = self.skip_hole(out);
        }
        out
    }

    fn skip_hole(&mut self, mut out: Vec<Delivery>) -> Vec<Delivery> {
        let Some((&ahead, _)) = self.pending.first_key_value() else {
            return out;
        };
        let Some(next) = self.next else {
            return out;
        };
        out.push(Delivery::Gap(u64::from(ahead)));
        self.next = Some(next.wrapping_add(ahead));
        // Re-key what is held relative to the new `next`.
        let held = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        for (k, v) in held {
            self.pending_bytes += v.len();
            self.pending.insert(k - ahead, v);
        }
        self.drain(out)
    }

    fn accept_in_order(&mut self, data: &[u8], mut out: Vec<Delivery>) -> Vec<Delivery> {
        let Some(next) = self.next else {
            return out;
        };
        self.next = Some(next.wrapping_add(data.len() as u32));
        out.push(Delivery::Data(data.to_vec()));
        self.rebase(data.len() as u32);
        self.drain(out)
    }

    /// After `n` bytes were delivered, held offsets shrink by `n`; anything now at or behind
    /// `next` is trimmed.
    fn rebase(&mut self, n: u32) {
        if self.pending.is_empty() || n == 0 {
            return;
        }
        let held = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        for (k, v) in held {
            let (k, v) = if k >= n {
                (k - n, v)
            } else {
                let behind = (n - k) as usize;
                if v.len() <= behind {
                    continue;
                }
                (0, v[behind..].to_vec())
            };
            let keep = self.pending.get(&k).is_none_or(|e| e.len() < v.len());
            if keep {
                self.pending_bytes += v.len();
                if let Some(old) = self.pending.insert(k, v) {
                    self.pending_bytes -= old.len();
                }
            }
        }
    }

    fn drain(&mut self, mut out: Vec<Delivery>) -> Vec<Delivery> {
        while let Some(v) = self.pending.remove(&0) {
            self.pending_bytes -= v.len();
            let Some(next) = self.next else { break };
            self.next = Some(next.wrapping_add(v.len() as u32));
            self.rebase(v.len() as u32);
            out.push(Delivery::Data(v));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(d: &[Delivery]) -> Vec<u8> {
        d.iter()
            .flat_map(|d| match d {
                Delivery::Data(v) => v.clone(),
                _ => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn in_order_after_syn() {
        let mut r = Reassembler::default();
        assert!(r.push(1000, true, &[]).is_empty());
        assert_eq!(bytes(&r.push(1001, false, b"abc")), b"abc");
        assert_eq!(bytes(&r.push(1004, false, b"de")), b"de");
    }

    #[test]
    fn retransmission_and_keepalive_vanish() {
        let mut r = Reassembler::default();
        r.push(1000, true, &[]);
        r.push(1001, false, b"abcd");
        assert!(r.push(1001, false, b"abcd").is_empty());
        assert!(
            r.push(1004, false, b"d").is_empty(),
            "keep-alive probe repeats the last byte"
        );
        assert!(r.push(1000, true, &[]).is_empty(), "retransmitted SYN");
        assert_eq!(bytes(&r.push(1003, false, b"cdef")), b"ef");
    }

    #[test]
    fn out_of_order_waits_for_the_hole() {
        let mut r = Reassembler::default();
        r.push(0, true, &[]);
        assert!(r.push(5, false, b"efg").is_empty());
        assert!(r.push(3, false, b"cd").is_empty());
        assert_eq!(bytes(&r.push(1, false, b"ab")), b"abcdefg");
    }

    #[test]
    fn overlapping_held_segments_are_trimmed() {
        let mut r = Reassembler::default();
        r.push(0, true, &[]);
        r.push(4, false, b"def");
        r.push(3, false, b"cdefgh");
        assert_eq!(bytes(&r.push(1, false, b"abc")), b"abcdefgh");
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut r = Reassembler::default();
        r.push(u32::MAX - 1, true, &[]);
        assert_eq!(bytes(&r.push(u32::MAX, false, b"ab")), b"ab");
        assert_eq!(bytes(&r.push(1, false, b"c")), b"c");
        assert!(r.push(u32::MAX, false, b"a").is_empty());
    }

    #[test]
    fn mid_stream_start_without_syn() {
        let mut r = Reassembler::default();
        assert_eq!(bytes(&r.push(777, false, b"xy")), b"xy");
        assert_eq!(bytes(&r.push(779, false, b"z")), b"z");
    }

    #[test]
    fn new_syn_restarts() {
        let mut r = Reassembler::default();
        r.push(10, true, &[]);
        r.push(11, false, b"old");
        let d = r.push(5000, true, &[]);
        assert_eq!(d, vec![Delivery::Restart]);
        assert_eq!(bytes(&r.push(5001, false, b"new")), b"new");
    }

    #[test]
    fn flush_delivers_behind_a_lost_segment() {
        let mut r = Reassembler::default();
        r.push(0, true, &[]);
        r.push(1, false, b"ab");
        assert!(r.push(10, false, b"xyz").is_empty());
        let d = r.flush();
        assert_eq!(d, vec![Delivery::Gap(7), Delivery::Data(b"xyz".to_vec())]);
    }

    #[test]
    fn one_byte_at_a_time_in_reverse() {
        let data: Vec<u8> = (0..50u8).collect();
        let mut r = Reassembler::default();
        r.push(99, true, &[]);
        let mut got = Vec::new();
        for i in (0..data.len()).rev() {
            got.extend(bytes(&r.push(100 + i as u32, false, &data[i..=i])));
        }
        assert_eq!(got, data);
    }

    /// Any split, any order, any duplication and overlap of a stream's segments (after the SYN)
    /// gives back exactly the stream. Seeded, 200 rounds.
    #[test]
    fn shuffled_duplicated_overlapping_segments_give_the_stream() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n.max(1)
        };
        for _ in 0..200 {
            let len = 1 + next(600) as usize;
            let data: Vec<u8> = (0..len).map(|_| next(256) as u8).collect();
            let isn = next(u64::from(u32::MAX)) as u32;
            let mut segs: Vec<(usize, usize)> = Vec::new();
            let mut at = 0;
            while at < len {
                let n = (1 + next(64) as usize).min(len - at);
                segs.push((at, at + n));
                // Sometimes a retransmission that overlaps the next segment too.
                if next(4) == 0 {
                    let back = next(at as u64 + 1) as usize;
                    segs.push((at - back, (at + n + next(20) as usize).min(len)));
                }
                at += n;
            }
            for i in (1..segs.len()).rev() {
                if next(3) == 0 {
                    let j = next(i as u64 + 1) as usize;
                    segs.swap(i, j);
                }
            }
            let mut r = Reassembler::default();
            r.push(isn, true, &[]);
            let mut got = Vec::new();
            for (a, b) in &segs {
                let seq = isn.wrapping_add(1).wrapping_add(*a as u32);
                got.extend(bytes(&r.push(seq, false, &data[*a..*b])));
            }
            assert_eq!(got, data);
        }
    }
}
