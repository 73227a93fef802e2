//! RFC 6184 packetization-mode 1 receiver side: RTP payloads in (in sequence order, e.g. from
//! the jitter buffer), whole access units out.
//!
//! An access unit ends at the marker bit or when the timestamp changes. Loss is detected from
//! sequence gaps (and from FU-A fragments out of order): the access unit it touches is dropped,
//! and since later pictures predict from what was lost, every access unit after it is dropped
//! too until one with an IDR slice arrives intact. Meanwhile [`Depacketizer::need_keyframe`] is
//! true and [`Depacketizer::take_keyframe_request`] fires once per loss, for the caller to send
//! H.245 videoFastUpdatePicture or RTCP PLI/FIR. Decoding starts the same way: first a keyframe.

use std::collections::VecDeque;

use super::{join_annex_b, nal_type, H264Error, NAL_FU_A, NAL_IDR, NAL_STAP_A};

/// Default bound on one access unit's size (bytes): far above any sane picture, and it keeps a
/// hostile stream from growing memory without limit.
const DEFAULT_MAX_AU_BYTES: usize = 4 << 20;

/// A complete access unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessUnit {
    /// RTP timestamp (90 kHz) of its packets.
    pub timestamp: u32,
    /// NAL units in decoding order, without start codes.
    pub nals: Vec<Vec<u8>>,
    /// Whether it holds an IDR slice.
    pub keyframe: bool,
}

impl AccessUnit {
    /// The access unit as an Annex B byte stream (what decoders take).
    pub fn to_annex_b(&self) -> Vec<u8> {
        join_annex_b(&self.nals)
    }
}

/// Counters since creation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DepacketizerStats {
    /// Packets missing according to sequence numbers.
    pub lost_packets: u64,
    /// Access units dropped because they were incomplete or malformed.
    pub dropped_incomplete: u64,
    /// Complete access units dropped while waiting for a keyframe.
    pub dropped_waiting: u64,
    /// Access units delivered.
    pub delivered: u64,
}

#[derive(Debug)]
struct Pending {
    timestamp: u32,
    nals: Vec<Vec<u8>>,
    bytes: usize,
    corrupt: bool,
}

/// Reassembles access units. See the module doc.
#[derive(Debug)]
pub struct Depacketizer {
    current: Option<Pending>,
    fragment: Option<Vec<u8>>,
    last_seq: Option<u16>,
    need_keyframe: bool,
    request: bool,
    ready: VecDeque<AccessUnit>,
    max_au_bytes: usize,
    stats: DepacketizerStats,
}

impl Default for Depacketizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Depacketizer {
    /// A depacketizer waiting for its first keyframe.
    pub fn new() -> Self {
        Self {
            current: None,
            fragment: None,
            last_seq: None,
            need_keyframe: true,
            request: false,
            ready: VecDeque::new(),
            max_au_bytes: DEFAULT_MAX_AU_BYTES,
            stats: DepacketizerStats::default(),
        }
    }

    /// Whether only a keyframe can be decoded now (at start and after loss).
    pub fn need_keyframe(&self) -> bool {
        self.need_keyframe
    }

    /// True once after each event that calls for a keyframe request (loss, or pictures dropped
    /// while waiting for the first keyframe); the caller rate-limits what it sends.
    pub fn take_keyframe_request(&mut self) -> bool {
        std::mem::take(&mut self.request)
    }

    /// Counters.
    pub fn stats(&self) -> DepacketizerStats {
        self.stats
    }

    /// The next complete access unit, if any.
    pub fn pop(&mut self) -> Option<AccessUnit> {
        self.ready.pop_front()
    }

    /// Tells the depacketizer that packet `sequence` will never come (the jitter buffer gave up
    /// on it), so the access unit it belonged to is dropped without waiting for the next packet.
    pub fn lost(&mut self, sequence: u16) {
        self.last_seq = Some(sequence);
        self.on_loss(1);
    }

    fn on_loss(&mut self, packets: u64) {
        self.stats.lost_packets += packets;
        self.fragment = None;
        if let Some(cur) = &mut self.current {
            cur.corrupt = true;
        }
        self.need_keyframe = true;
        self.request = true;
    }

    fn finish(&mut self) {
        let Some(au) = self.current.take() else {
            return;
        };
        if self.fragment.take().is_some() || au.corrupt || au.nals.is_empty() {
            self.stats.dropped_incomplete += 1;
            self.need_keyframe = true;
            self.request = true;
            return;
        }
        let keyframe = au.nals.iter().any(|n| nal_type(n) == NAL_IDR);
        if self.need_keyframe && !keyframe {
            self.stats.dropped_waiting += 1;
            self.request = true;
            return;
        }
        if keyframe {
            self.need_keyframe = false;
        }
        self.stats.delivered += 1;
        self.ready.push_back(AccessUnit {
            timestamp: au.timestamp,
            nals: au.nals,
            keyframe,
        });
    }

    /// Takes one RTP packet's header fields and payload. A malformed payload drops its access
    /// unit (and is reported) but leaves the depacketizer usable.
    pub fn push(
        &mut self,
        sequence: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> Result<(), H264Error> {
        if let Some(last) = self.last_seq {
            let ahead = sequence.wrapping_sub(last);
            if ahead == 0 || ahead >= 0x8000 {
                // Duplicate or older than what we have: the jitter buffer should have handled it.
                return Ok(());
            }
            if ahead > 1 {
                self.on_loss(u64::from(ahead - 1));
            }
        }
        self.last_seq = Some(sequence);
        if self
            .current
            .as_ref()
            .is_some_and(|c| c.timestamp != timestamp)
        {
            self.finish();
        }
        // A gap just before a new access unit is blamed on the previous one: either way only a
        // keyframe gets through next, and an intact keyframe should not be thrown away.
        self.current.get_or_insert_with(|| Pending {
            timestamp,
            nals: Vec::new(),
            bytes: 0,
            corrupt: false,
        });
        let result = self.take_payload(payload);
        if result.is_err() {
            self.fragment = None;
            if let Some(c) = &mut self.current {
                c.corrupt = true;
            }
        }
        if marker {
            self.finish();
        }
        result
    }

    fn add_nal(&mut self, nal: Vec<u8>) -> Result<(), H264Error> {
        let max = self.max_au_bytes;
        let Some(cur) = &mut self.current else {
            return Ok(());
        };
        cur.bytes += nal.len();
        if cur.bytes > max {
            cur.nals.clear();
            return Err(H264Error::TooLarge(max));
        }
        cur.nals.push(nal);
        Ok(())
    }

    fn take_payload(&mut self, payload: &[u8]) -> Result<(), H264Error> {
        let Some(&first) = payload.first() else {
            return Err(H264Error::Empty);
        };
        match first & 0x1f {
            1..=23 => {
                if self.fragment.is_some() {
                    return Err(H264Error::FragmentOrder);
                }
                self.add_nal(payload.to_vec())
            }
            NAL_STAP_A => {
                let mut at = 1;
                while at < payload.len() {
                    let size_bytes = payload.get(at..at + 2).ok_or(H264Error::Truncated {
                        field: "STAP-A NAL unit size",
                        offset: at,
                        needed: 2,
                        available: payload.len() - at,
                    })?;
                    let size = usize::from(u16::from_be_bytes([size_bytes[0], size_bytes[1]]));
                    at += 2;
                    let nal = payload.get(at..at + size).filter(|n| !n.is_empty()).ok_or(
                        H264Error::Truncated {
                            field: "STAP-A NAL unit",
                            offset: at,
                            needed: size.max(1),
                            available: payload.len() - at,
                        },
                    )?;
                    self.add_nal(nal.to_vec())?;
                    at += size;
                }
                Ok(())
            }
            NAL_FU_A => {
                let &fu = payload.get(1).ok_or(H264Error::Truncated {
                    field: "FU header",
                    offset: 1,
                    needed: 1,
                    available: 0,
                })?;
                let (start, end) = (fu & 0x80 != 0, fu & 0x40 != 0);
                let data = &payload[2..];
                if start {
                    if self.fragment.is_some() {
                        return Err(H264Error::FragmentOrder);
                    }
                    let mut nal = Vec::with_capacity(1 + data.len());
                    nal.push((first & 0xe0) | (fu & 0x1f));
                    self.fragment = Some(nal);
                }
                let max = self.max_au_bytes;
                let frag = self.fragment.as_mut().ok_or(H264Error::FragmentOrder)?;
                if frag.len() + data.len() > max {
                    return Err(H264Error::TooLarge(max));
                }
                frag.extend_from_slice(data);
                if end {
                    let nal = self.fragment.take().unwrap_or_default();
                    self.add_nal(nal)?;
                }
                Ok(())
            }
            nal_type => Err(H264Error::Unsupported { nal_type }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Packetizer, NAL_SLICE};
    use super::*;
    use proptest::prelude::*;

    fn au(kind: u8, len: usize, fill: u8) -> Vec<Vec<u8>> {
        let mut nals = Vec::new();
        if kind == NAL_IDR {
            nals.push(vec![0x67, 0x42, 0xc0, 0x1e]);
            nals.push(vec![0x68, 0xce, 0x3c, 0x80]);
        }
        let mut slice = vec![0x60 | kind];
        slice.extend(std::iter::repeat_n(fill, len));
        nals.push(slice);
        nals
    }

    fn feed(d: &mut Depacketizer, seq: &mut u16, ts: u32, nals: &[Vec<u8>], skip: Option<usize>) {
        for (k, p) in Packetizer::new(500).packetize(nals).iter().enumerate() {
            if Some(k) != skip {
                // After a gap, a continuation fragment is reported as out of order: expected.
                let _ = d.push(*seq, ts, p.marker, &p.payload);
            }
            *seq = seq.wrapping_add(1);
        }
    }

    #[test]
    fn round_trip_and_loss_recovery() {
        let mut d = Depacketizer::new();
        let mut seq = 65530;
        // A P-frame before any keyframe is dropped and triggers a request.
        feed(&mut d, &mut seq, 0, &au(NAL_SLICE, 100, 1), None);
        assert!(d.pop().is_none());
        assert!(d.take_keyframe_request());
        assert!(!d.take_keyframe_request());
        let idr = au(NAL_IDR, 2000, 2);
        feed(&mut d, &mut seq, 3000, &idr, None);
        let got = d.pop().unwrap();
        assert_eq!((got.timestamp, got.keyframe, &got.nals), (3000, true, &idr));
        assert!(!d.need_keyframe());
        let p1 = au(NAL_SLICE, 1200, 3);
        feed(&mut d, &mut seq, 6000, &p1, None);
        assert_eq!(d.pop().unwrap().nals, p1);
        // Lose the middle FU-A fragment of the next P-frame: it and the following P-frame drop.
        feed(&mut d, &mut seq, 9000, &au(NAL_SLICE, 1200, 4), Some(1));
        feed(&mut d, &mut seq, 12000, &au(NAL_SLICE, 100, 5), None);
        assert!(d.pop().is_none());
        assert!(d.need_keyframe() && d.take_keyframe_request());
        feed(&mut d, &mut seq, 15000, &idr, None);
        assert!(d.pop().unwrap().keyframe);
        let s = d.stats();
        assert_eq!(
            (
                s.lost_packets,
                s.dropped_incomplete,
                s.dropped_waiting,
                s.delivered
            ),
            (1, 1, 2, 3)
        );
        assert_eq!(got.to_annex_b()[..5], [0, 0, 0, 1, 0x67]);
    }

    #[test]
    fn timestamp_change_ends_an_unmarked_access_unit_and_lost_tail_is_dropped() {
        let mut d = Depacketizer::new();
        let idr = au(NAL_IDR, 10, 1);
        for (k, n) in idr.iter().enumerate() {
            d.push(k as u16, 0, false, n).unwrap();
        }
        assert!(d.pop().is_none());
        d.push(3, 3000, true, &[0x41, 9]).unwrap();
        assert!(d.pop().unwrap().keyframe);
        assert_eq!(d.pop().unwrap().nals, vec![vec![0x41, 9]]);
        // Lost last packet (the marker) of an access unit, reported by the jitter buffer.
        d.push(4, 6000, false, &[0x41, 1]).unwrap();
        d.lost(5);
        d.push(6, 9000, true, &[0x65, 1]).unwrap();
        assert!(d.pop().unwrap().keyframe);
        assert!(d.pop().is_none());
    }

    #[test]
    fn malformed_payloads() {
        let mut d = Depacketizer::new();
        assert_eq!(d.push(0, 0, false, &[]), Err(H264Error::Empty));
        assert_eq!(
            d.push(1, 0, false, &[0x78, 0, 5, 1]),
            Err(H264Error::Truncated {
                field: "STAP-A NAL unit",
                offset: 3,
                needed: 5,
                available: 1
            })
        );
        assert_eq!(
            d.push(2, 0, false, &[0x78, 0]),
            Err(H264Error::Truncated {
                field: "STAP-A NAL unit size",
                offset: 1,
                needed: 2,
                available: 1
            })
        );
        assert_eq!(
            d.push(3, 0, false, &[0x7c]),
            Err(H264Error::Truncated {
                field: "FU header",
                offset: 1,
                needed: 1,
                available: 0
            })
        );
        assert_eq!(
            d.push(4, 0, false, &[0x7c, 0x05, 1]),
            Err(H264Error::FragmentOrder)
        );
        assert_eq!(
            d.push(5, 0, true, &[0x7d, 0x85]),
            Err(H264Error::Unsupported { nal_type: 29 })
        );
        assert!(d.pop().is_none());
        assert!(d.stats().dropped_incomplete >= 1);
    }

    proptest! {
        #[test]
        fn never_panics(packets in proptest::collection::vec(
            (any::<u16>(), any::<u32>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..40)) {
            let mut d = Depacketizer::new();
            for (seq, ts, m, p) in packets {
                let _ = d.push(seq, ts % 4, m, &p);
                while d.pop().is_some() {}
            }
        }

        #[test]
        fn packetize_depacketize_round_trip(
            sizes in proptest::collection::vec(1usize..5000, 1..6), mtu in 3usize..1500, seq0 in any::<u16>()
        ) {
            let mut d = Depacketizer::new();
            let mut seq = seq0;
            let mut sent = Vec::new();
            for (i, len) in sizes.iter().enumerate() {
                let kind = if i == 0 { NAL_IDR } else { NAL_SLICE };
                let nals = au(kind, *len, i as u8 + 1);
                for p in Packetizer::new(mtu).packetize(&nals) {
                    prop_assert!(p.payload.len() <= mtu.max(3));
                    d.push(seq, 3000 * i as u32, p.marker, &p.payload).unwrap();
                    seq = seq.wrapping_add(1);
                }
                sent.push(nals);
            }
            let got: Vec<_> = std::iter::from_fn(|| d.pop()).map(|a| a.nals).collect();
            prop_assert_eq!(got, sent);
        }
    }
}
