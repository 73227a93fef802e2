//! RTP reception and transmission statistics, and the RTCP reports built from them.
//!
//! [`ReceiverStats`] follows RFC 3550 appendix A to the letter: A.1 source validation (probation
//! of `MIN_SEQUENTIAL` packets, `MAX_DROPOUT`/`MAX_MISORDER`, restart after two sequential
//! packets of a jump), A.3 loss (cumulative and fraction per interval) and A.8 interarrival
//! jitter (the integer form scaled by 16). [`SenderStats`] counts what we send so a sender report
//! can say it. [`report`] assembles SR or RR plus SDES CNAME for one RTCP interval.

use std::time::{Duration, Instant};

use crate::rtcp::{NtpTime, ReceiverReport, ReportBlock, RtcpPacket, Sdes, SenderReport};
use crate::rtp::ClockRate;

const RTP_SEQ_MOD: u32 = 1 << 16;
const MAX_DROPOUT: u32 = 3000;
const MAX_MISORDER: u32 = 100;
const MIN_SEQUENTIAL: u32 = 2;

/// What A.1's `update_seq` made of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqVerdict {
    /// Counted: in order, a small gap, a duplicate or a reordered packet.
    Valid,
    /// The source is still on probation; the packet is not counted.
    Probation,
    /// A large jump; if the next packet follows it, the source is taken to have restarted.
    Bad,
}

/// Reception statistics for one remote source.
#[derive(Debug, Clone)]
pub struct ReceiverStats {
    ssrc: u32,
    rate: ClockRate,
    epoch: Option<Instant>,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    transit: Option<u32>,
    /// A.8 jitter, scaled by 16.
    jitter: u32,
    last_sr: Option<(u32, Instant)>,
}

impl ReceiverStats {
    /// The statistics `slot` keeps for `ssrc`: the ones there, or a fresh start when the slot
    /// is empty or followed another SSRC (a new SSRC is a new source, RFC 3550 8.2).
    pub fn for_source(slot: &mut Option<Self>, ssrc: u32, rate: ClockRate) -> &mut Self {
        if slot.as_ref().is_some_and(|s| s.ssrc != ssrc) {
            *slot = None;
        }
        slot.get_or_insert_with(|| Self::new(ssrc, rate))
    }

    /// Statistics for `ssrc`, whose payload clock runs at `rate`.
    pub fn new(ssrc: u32, rate: ClockRate) -> Self {
        Self {
            ssrc,
            rate,
            epoch: None,
            max_seq: 0,
            cycles: 0,
            base_seq: 0,
            bad_seq: RTP_SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter: 0,
            last_sr: None,
        }
    }

    /// The source these statistics describe.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// RFC 3550 A.1 `update_seq`.
    fn update_seq(&mut self, seq: u16) -> SeqVerdict {
        let udelta = u32::from(seq.wrapping_sub(self.max_seq));
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return SeqVerdict::Valid;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return SeqVerdict::Probation;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(RTP_SEQ_MOD);
            }
            self.max_seq = seq;
        } else if udelta <= RTP_SEQ_MOD - MAX_MISORDER {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets after a jump: the sender restarted.
                self.init_seq(seq);
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                return SeqVerdict::Bad;
            }
        }
        // else: duplicate or reordered packet, counted but does not move max_seq.
        self.received = self.received.wrapping_add(1);
        SeqVerdict::Valid
    }

    /// Accounts for one RTP packet of this source that arrived at `now`.
    pub fn on_packet(&mut self, now: Instant, seq: u16, timestamp: u32) -> SeqVerdict {
        let epoch = match self.epoch {
            Some(e) => e,
            None => {
                // A.1: a new source starts on probation with max_seq just before its first packet.
                self.epoch = Some(now);
                self.init_seq(seq);
                self.max_seq = seq.wrapping_sub(1);
                self.probation = MIN_SEQUENTIAL;
                now
            }
        };
        let verdict = self.update_seq(seq);
        if verdict == SeqVerdict::Valid {
            // A.8: arrival time in timestamp units; only differences matter, so wrap freely.
            let arrival = self.rate.ticks_in(now.saturating_duration_since(epoch)) as u32;
            let transit = arrival.wrapping_sub(timestamp);
            if let Some(prev) = self.transit {
                let d = (transit.wrapping_sub(prev) as i32).unsigned_abs();
                // jitter += |D| - ((jitter + 8) >> 4), in wrapping form as A.8's unsigned code.
                self.jitter = self
                    .jitter
                    .wrapping_add(d)
                    .wrapping_sub((self.jitter + 8) >> 4);
            }
            self.transit = Some(transit);
        }
        verdict
    }

    /// Remembers `sr` (for LSR/DLSR in our next report block) if it comes from this source, and
    /// says whether it did. An SR of another SSRC on the same port (a source that restarted, or
    /// a stray sender) is not ours to answer.
    pub fn on_sender_report(&mut self, now: Instant, sr: &SenderReport) -> bool {
        let ours = sr.ssrc == self.ssrc;
        if ours {
            self.last_sr = Some((sr.ntp_time.middle32(), now));
        }
        ours
    }

    /// Packets counted since the source became valid.
    pub fn received(&self) -> u32 {
        self.received
    }

    /// Extended highest sequence number received (A.1: cycles + max_seq).
    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    /// A.3: packets expected so far.
    pub fn expected(&self) -> u32 {
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// A.3: cumulative packets lost (negative when duplicates outnumber losses).
    pub fn cumulative_lost(&self) -> i64 {
        i64::from(self.expected()) - i64::from(self.received)
    }

    /// Interarrival jitter in timestamp units.
    pub fn jitter(&self) -> u32 {
        self.jitter >> 4
    }

    /// Interarrival jitter as a duration.
    pub fn jitter_duration(&self) -> Duration {
        self.rate.duration_of(u64::from(self.jitter()))
    }

    /// Whether the source has passed probation and can be reported on.
    pub fn is_valid(&self) -> bool {
        self.epoch.is_some() && self.probation == 0
    }

    /// Builds this source's report block and starts a new reporting interval (A.3).
    pub fn report_block(&mut self, now: Instant) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            None => (0, 0),
            Some((lsr, at)) => {
                let d = now.saturating_duration_since(at);
                let units = d.as_nanos() * 65_536 / 1_000_000_000;
                (lsr, u32::try_from(units).unwrap_or(u32::MAX))
            }
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost().clamp(-(1 << 23), (1 << 23) - 1) as i32,
            extended_highest_seq: self.extended_max(),
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        }
    }
}

/// Transmission statistics for one local source.
#[derive(Debug, Clone)]
pub struct SenderStats {
    ssrc: u32,
    rate: ClockRate,
    packets: u32,
    octets: u32,
    last: Option<(u32, Instant)>,
}

impl SenderStats {
    /// Statistics for our source `ssrc` at media clock `rate`.
    pub fn new(ssrc: u32, rate: ClockRate) -> Self {
        Self {
            ssrc,
            rate,
            packets: 0,
            octets: 0,
            last: None,
        }
    }

    /// Accounts for a packet sent at `now` with RTP `timestamp` and `payload_len` payload bytes.
    pub fn on_sent(&mut self, now: Instant, timestamp: u32, payload_len: usize) {
        self.packets = self.packets.wrapping_add(1);
        // RFC 3550 §6.4.1: the octet count wraps like the packet count.
        self.octets = self.octets.wrapping_add(payload_len as u32);
        self.last = Some((timestamp, now));
    }

    /// Packets sent.
    pub fn packets(&self) -> u32 {
        self.packets
    }

    /// Whether anything was sent yet (an SR is only for senders).
    pub fn has_sent(&self) -> bool {
        self.last.is_some()
    }

    /// A sender report at `now`, whose wall clock reads `ntp`. The RTP timestamp is the last
    /// one sent advanced by the time since it was sent (§6.4.1: same instant as the NTP time).
    pub fn sender_report(
        &self,
        now: Instant,
        ntp: NtpTime,
        reports: Vec<ReportBlock>,
    ) -> SenderReport {
        let rtp_timestamp = self.last.map_or(0, |(ts, at)| {
            ts.wrapping_add(self.rate.ticks_in(now.saturating_duration_since(at)) as u32)
        });
        SenderReport {
            ssrc: self.ssrc,
            ntp_time: ntp,
            rtp_timestamp,
            packet_count: self.packets,
            octet_count: self.octets,
            reports,
        }
    }
}

/// One RTCP interval's compound packet: SR if `sender` has sent anything, else RR, with a
/// report block for every valid source (at most 31), then SDES CNAME.
pub fn report(
    now: Instant,
    ntp: NtpTime,
    ssrc: u32,
    cname: &str,
    sender: Option<&SenderStats>,
    receivers: &mut [ReceiverStats],
) -> Vec<RtcpPacket> {
    let blocks: Vec<ReportBlock> = receivers
        .iter_mut()
        .filter(|r| r.is_valid())
        .take(31)
        .map(|r| r.report_block(now))
        .collect();
    let first = match sender.filter(|s| s.has_sent()) {
        Some(s) => RtcpPacket::SenderReport(s.sender_report(now, ntp, blocks)),
        None => RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc,
            reports: blocks,
        }),
    };
    vec![first, RtcpPacket::Sdes(Sdes::cname(ssrc, cname))]
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn feed(s: &mut ReceiverStats, t0: Instant, seqs: &[u16]) {
        for &seq in seqs {
            // Perfectly timed 20 ms packets: arrival matches the timestamp.
            let i = u32::from(seq.wrapping_sub(seqs[0]));
            s.on_packet(t0 + MS * 20 * i, seq, 160 * i);
        }
    }

    #[test]
    fn a_slot_keeps_its_source_and_starts_over_for_another() {
        let t0 = Instant::now();
        let mut slot = None;
        let first = ReceiverStats::for_source(&mut slot, 1, ClockRate::AUDIO_8K);
        feed(first, t0, &[10, 11, 12]);
        let counted = first.received();
        assert!(counted > 0);
        // The same source finds the same statistics.
        let again = ReceiverStats::for_source(&mut slot, 1, ClockRate::AUDIO_8K);
        assert_eq!((again.received(), again.extended_max()), (counted, 12));
        let other = ReceiverStats::for_source(&mut slot, 2, ClockRate::AUDIO_8K);
        assert_eq!((other.ssrc(), other.received()), (2, 0));
    }

    #[test]
    fn probation_then_counting() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(1, ClockRate::AUDIO_8K);
        assert_eq!(s.on_packet(t0, 100, 0), SeqVerdict::Probation);
        assert!(!s.is_valid());
        assert_eq!(s.on_packet(t0, 101, 160), SeqVerdict::Valid);
        assert!(s.is_valid());
        assert_eq!((s.received(), s.expected()), (1, 1));
    }

    #[test]
    fn loss_fraction_and_cumulative() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(1, ClockRate::AUDIO_8K);
        // 65530..65535, 0..=9 with 3 and 4 lost: crosses the wrap.
        let seqs: Vec<u16> = (65530..=65535)
            .chain(0..10)
            .filter(|&q| q != 3 && q != 4)
            .collect();
        feed(&mut s, t0, &seqs);
        // base is the second packet (65531); highest is 65536 + 9.
        assert_eq!(s.extended_max(), 65536 + 9);
        assert_eq!(s.expected(), 65536 + 9 - 65531 + 1);
        assert_eq!(s.cumulative_lost(), 2);
        let b = s.report_block(t0);
        assert_eq!(b.cumulative_lost, 2);
        assert_eq!(b.fraction_lost, (2 * 256 / 15) as u8);
        assert_eq!(b.extended_highest_seq, 65545);
        assert_eq!(b.jitter, 0);
        // Next interval without loss reports 0 fraction, same cumulative; a duplicate makes
        // cumulative loss go down, as RFC 3550 A.3 says it may.
        s.on_packet(t0, 10, 0);
        s.on_packet(t0, 10, 0);
        let b = s.report_block(t0);
        assert_eq!((b.fraction_lost, b.cumulative_lost), (0, 1));
    }

    #[test]
    fn restart_after_large_jump() {
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(1, ClockRate::AUDIO_8K);
        feed(&mut s, t0, &[1, 2, 3]);
        assert_eq!(s.on_packet(t0, 30_000, 0), SeqVerdict::Bad);
        assert_eq!(s.on_packet(t0, 30_001, 0), SeqVerdict::Valid);
        assert_eq!((s.received(), s.expected()), (1, 1));
        // Reordered packet within MAX_MISORDER is counted, does not move the max.
        assert_eq!(s.on_packet(t0, 29_950, 0), SeqVerdict::Valid);
        assert_eq!(s.extended_max(), 30_001);
    }

    #[test]
    fn jitter_matches_a8_closed_form() {
        // Alternating +-10 ms arrival offsets: |D| = 80 ticks each packet after the first;
        // J converges to 80 (A.8's J += (|D| - J)/16).
        let t0 = Instant::now();
        let mut s = ReceiverStats::new(1, ClockRate::AUDIO_8K);
        let mut expect = 0f64;
        for i in 0..400u32 {
            let skew = if i % 2 == 0 { 0 } else { 10 };
            s.on_packet(t0 + MS * (20 * i + skew), i as u16, 160 * i);
            if i >= 2 {
                expect += (80.0 - expect) / 16.0;
            }
        }
        assert!(
            (f64::from(s.jitter()) - expect).abs() <= 1.0,
            "{} vs {expect}",
            s.jitter()
        );
        assert_eq!(
            s.jitter_duration(),
            Duration::from_millis(10) * s.jitter() / 80
        );
    }

    #[test]
    fn lsr_dlsr_and_sender_report() {
        let t0 = Instant::now();
        let mut r = ReceiverStats::new(7, ClockRate::AUDIO_8K);
        feed(&mut r, t0, &[1, 2]);
        let ntp = NtpTime(0x1234_5678_9abc_def0);
        let sr = |ssrc, ntp| SenderReport {
            ssrc,
            ntp_time: ntp,
            ..SenderReport::default()
        };
        assert!(r.on_sender_report(t0, &sr(7, ntp)));
        // Another source's SR on the same port leaves LSR/DLSR alone.
        assert!(!r.on_sender_report(t0, &sr(8, NtpTime(0x1111_2222_3333_4444))));
        let b = r.report_block(t0 + Duration::from_millis(500));
        assert_eq!((b.last_sr, b.delay_since_last_sr), (0x5678_9abc, 32_768));

        let mut s = SenderStats::new(9, ClockRate::AUDIO_8K);
        let mut rs = vec![r];
        let rr = report(t0, ntp, 9, "me", Some(&s), &mut rs);
        assert!(matches!(&rr[0], RtcpPacket::ReceiverReport(x) if x.reports.len() == 1));
        s.on_sent(t0, 1000, 160);
        s.on_sent(t0 + MS * 20, 1160, 160);
        let sr = report(t0 + MS * 30, ntp, 9, "me", Some(&s), &mut rs);
        let RtcpPacket::SenderReport(sr0) = &sr[0] else {
            panic!("expected SR")
        };
        assert_eq!(
            (sr0.packet_count, sr0.octet_count, sr0.rtp_timestamp),
            (2, 320, 1240)
        );
        assert_eq!(sr[1], RtcpPacket::Sdes(Sdes::cname(9, "me")));
    }
}
