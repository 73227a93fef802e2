//! One direction of one medium through the relay: parse the RTP header in place, count it in
//! RFC 3550 receiver statistics, rewrite SSRC/sequence/timestamp onto the gateway's own stream
//! (`media::rtp::Rewriter`), set the outgoing payload type and, for audio between µ-law and
//! A-law, transcode the payload byte by byte through a 256-entry table. Everything happens in the
//! caller's buffer: no allocation and no decode per packet.
//!
//! The table goes through linear PCM (`media::g711`), which is what G.711's own µ/A conversion
//! tables approximate; the payload length never changes, so the packet is rewritten in place.

use std::time::Instant;

use media::g711::Law;
use media::rtcp::{NtpTime, RtcpPacket, SenderReport};
use media::rtp::{ClockRate, Rewriter, RtpPacket};
use media::stats::{ReceiverStats, SenderStats};

use super::StreamStats;

/// Why a datagram was not relayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Not an RTP packet.
    NotRtp,
    /// A payload type this direction does not carry (comfort noise, DTMF, another codec).
    PayloadType(u8),
}

/// Relay state of one direction of one medium.
#[derive(Debug, Clone)]
pub struct StreamRelay {
    rate: ClockRate,
    rewriter: Rewriter,
    rx: Option<ReceiverStats>,
    tx: SenderStats,
    packets: u64,
    bytes: u64,
    sent: u64,
    out_pt: u8,
    /// Byte map applied to the payload when set (µ→A or A→µ).
    table: Option<Box<[u8; 256]>>,
    table_for: Option<(Law, Law)>,
}

fn conversion(from: Law, to: Law) -> Box<[u8; 256]> {
    let mut t = Box::new([0u8; 256]);
    for (code, out) in t.iter_mut().enumerate() {
        let mut pcm = [0i16; 1];
        from.decode(&[code as u8], &mut pcm);
        let mut c = [0u8; 1];
        to.encode(&pcm, &mut c);
        *out = c[0];
    }
    t
}

impl StreamRelay {
    /// A direction that emits `ssrc` from `first_seq`/`first_ts` (drawn at random by the caller,
    /// RFC 3550 §5.1) with payload type `out_pt`, on a media clock of `rate`.
    pub fn new(rate: ClockRate, ssrc: u32, first_seq: u16, first_ts: u32, out_pt: u8) -> Self {
        Self {
            rate,
            rewriter: Rewriter::new(ssrc, rate, first_seq, first_ts),
            rx: None,
            tx: SenderStats::new(ssrc, rate),
            packets: 0,
            bytes: 0,
            sent: 0,
            out_pt,
            table: None,
            table_for: None,
        }
    }

    /// Our outgoing SSRC.
    pub fn ssrc(&self) -> u32 {
        self.rewriter.ssrc()
    }

    /// The SSRC of the source being received, once a packet came.
    pub fn source(&self) -> Option<u32> {
        self.rx.as_ref().map(ReceiverStats::ssrc)
    }

    /// Sets the outgoing payload type.
    pub fn set_out_pt(&mut self, pt: u8) {
        self.out_pt = pt;
    }

    /// The outgoing payload type.
    pub fn out_pt(&self) -> u8 {
        self.out_pt
    }

    /// Transcodes payloads from `from` to `to` (None or equal laws: pass through).
    pub fn set_transcode(&mut self, laws: Option<(Law, Law)>) {
        let laws = laws.filter(|(a, b)| a != b);
        if laws != self.table_for {
            self.table = laws.map(|(a, b)| conversion(a, b));
            self.table_for = laws;
        }
    }

    /// Accounts for and rewrites the RTP packet in `buf` received at `now`. On success the
    /// buffer holds the packet to send on.
    pub fn process(&mut self, now: Instant, buf: &mut [u8]) -> Result<(), Rejected> {
        let p = RtpPacket::parse(buf).map_err(|_| Rejected::NotRtp)?;
        let (ssrc, seq, ts) = (p.ssrc, p.sequence, p.timestamp);
        let start = p.header_len();
        let len = p.payload.len();
        // A new source (or the first): RFC 3550 A.1 starts its statistics afresh.
        ReceiverStats::for_source(&mut self.rx, ssrc, self.rate).on_packet(now, seq, ts);
        self.packets += 1;
        self.bytes += len as u64;
        let out = self.rewriter.rewrite(now, ssrc, seq, ts);
        buf[1] = (buf[1] & 0x80) | (self.out_pt & 0x7f);
        buf[2..4].copy_from_slice(&out.sequence.to_be_bytes());
        buf[4..8].copy_from_slice(&out.timestamp.to_be_bytes());
        buf[8..12].copy_from_slice(&out.ssrc.to_be_bytes());
        if let Some(t) = &self.table {
            for b in &mut buf[start..start + len] {
                *b = t[usize::from(*b)];
            }
        }
        self.tx.on_sent(now, out.timestamp, len);
        self.sent += 1;
        Ok(())
    }

    /// The figures for the API.
    pub fn stats(&self) -> StreamStats {
        StreamStats {
            packets: self.packets,
            bytes: self.bytes,
            lost: self.rx.as_ref().map_or(0, ReceiverStats::cumulative_lost),
            jitter_ms: self
                .rx
                .as_ref()
                .map_or(0.0, |r| r.jitter_duration().as_secs_f64() * 1000.0),
            ssrc: self.source(),
            sent_ssrc: self.ssrc(),
            sent_packets: self.sent,
        }
    }

    /// Notes the source's sender report (for the LSR/DLSR of our report blocks).
    pub fn on_sender_report(&mut self, now: Instant, sr: &SenderReport) {
        if let Some(rx) = self.rx.as_mut() {
            rx.on_sender_report(now, sr);
        }
    }

    /// Whether anything was relayed (an SR and a BYE are only for senders).
    pub fn has_sent(&self) -> bool {
        self.tx.has_sent()
    }

    /// The RTCP report on a leg where `sending` is what we send on it and `receiving` what we
    /// receive there: SR (or RR) with a block on the received source, and SDES CNAME.
    pub fn report(
        now: Instant,
        ntp: NtpTime,
        cname: &str,
        sending: &StreamRelay,
        receiving: &mut StreamRelay,
    ) -> Vec<RtcpPacket> {
        let mut rx: Vec<ReceiverStats> = receiving.rx.iter().cloned().collect();
        let packets =
            media::stats::report(now, ntp, sending.ssrc(), cname, Some(&sending.tx), &mut rx);
        // report_block() advances the interval counters: keep them.
        if let (Some(slot), Some(r)) = (receiving.rx.as_mut(), rx.pop()) {
            *slot = r;
        }
        packets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use media::g711;
    use std::time::Duration;

    fn packet(pt: u8, seq: u16, ts: u32, ssrc: u32, payload: &[u8]) -> Vec<u8> {
        let mut p = RtpPacket::new(pt, seq, ts, ssrc);
        p.payload = payload;
        p.to_vec().unwrap()
    }

    #[test]
    fn rewrites_and_transcodes_in_place() {
        let t0 = Instant::now();
        let mut s = StreamRelay::new(ClockRate::AUDIO_8K, 0x1234, 100, 9000, 0);
        s.set_transcode(Some((Law::Alaw, Law::Ulaw)));
        let pcm: Vec<i16> = (0..160).map(|i| (i * 97 % 4000) as i16 - 2000).collect();
        let mut alaw = vec![0u8; 160];
        Law::Alaw.encode(&pcm, &mut alaw);
        for i in 0..3u16 {
            let mut b = packet(8, 5000 + i, 160 * u32::from(i), 77, &alaw);
            s.process(t0 + Duration::from_millis(20 * u64::from(i)), &mut b)
                .unwrap();
            let q = RtpPacket::parse(&b).unwrap();
            assert_eq!(
                (q.payload_type, q.ssrc, q.sequence, q.timestamp),
                (0, 0x1234, 100 + i, 9000 + 160 * u32::from(i))
            );
            for (&mu, &orig) in q.payload.iter().zip(&pcm) {
                // µ-law is finer than A-law near zero and coarser near full scale: both within
                // one A-law step of the original.
                assert!((i32::from(g711::ulaw_decode(mu)) - i32::from(orig)).abs() <= 64);
            }
        }
        let st = s.stats();
        assert_eq!(
            (st.packets, st.bytes, st.lost, st.ssrc),
            (3, 480, 0, Some(77))
        );
        assert!(matches!(
            s.process(t0, &mut [0u8; 4]),
            Err(Rejected::NotRtp)
        ));
    }

    #[test]
    fn loss_is_counted() {
        let t0 = Instant::now();
        let mut s = StreamRelay::new(ClockRate::AUDIO_8K, 1, 1, 1, 0);
        for i in [0u16, 1, 2, 4, 5, 7, 8] {
            let mut b = packet(0, i, 160 * u32::from(i), 5, &[0xff; 160]);
            s.process(t0 + Duration::from_millis(20 * u64::from(i)), &mut b)
                .unwrap();
        }
        assert_eq!(s.stats().lost, 2);
    }
}
