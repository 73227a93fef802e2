//! One outgoing RTP stream of the MCU to one participant: its own SSRC, sequence numbers and
//! timestamp offset (RFC 3550 §5.1: random starting points), the channel's payload type and
//! destination, and the sender statistics its RTCP SR reports.

use std::net::SocketAddr;
use std::time::Instant;

use media::rtp::{ClockRate, RtpPacket};
use media::stats::SenderStats;

/// An outgoing stream. Timestamps come in as room media time (ticks of the stream's clock since
/// the room started) and go out shifted by this stream's random offset.
#[derive(Debug, Clone)]
pub struct RtpOut {
    /// Our SSRC on this stream.
    pub ssrc: u32,
    /// RTP payload type of the participant's transmit channel.
    pub payload_type: u8,
    /// Where RTP goes (the transmit channel's address).
    pub dest: SocketAddr,
    /// Where RTCP goes.
    pub rtcp_dest: SocketAddr,
    seq: u16,
    ts_offset: u32,
    /// What was sent, for SR.
    pub stats: SenderStats,
    /// Payload bytes sent (SenderStats keeps the 32-bit wire count only).
    pub bytes: u64,
    buf: Vec<u8>,
}

impl RtpOut {
    /// A stream with random-looking starting values drawn from `seed`.
    pub fn new(
        seed: u64,
        payload_type: u8,
        rate: ClockRate,
        dest: SocketAddr,
        rtcp_dest: SocketAddr,
    ) -> Self {
        let r = splitmix(seed);
        let ssrc = (r >> 32) as u32;
        Self {
            ssrc,
            payload_type: payload_type & 0x7f,
            dest,
            rtcp_dest,
            seq: (r >> 16) as u16,
            ts_offset: splitmix(r) as u32,
            stats: SenderStats::new(ssrc, rate),
            bytes: 0,
            buf: Vec::with_capacity(1500),
        }
    }

    /// Serializes the next packet (room media time `ts`) into a buffer this stream reuses.
    pub fn packet(&mut self, now: Instant, ts: u32, marker: bool, payload: &[u8]) -> &[u8] {
        let wire_ts = ts.wrapping_add(self.ts_offset);
        let mut p = RtpPacket::new(self.payload_type, self.seq, wire_ts, self.ssrc);
        p.marker = marker;
        p.payload = payload;
        self.seq = self.seq.wrapping_add(1);
        self.buf.clear();
        // 7-bit payload type, no CSRC or extension: serializing cannot fail.
        let _ = p.write(&mut self.buf);
        self.stats.on_sent(now, wire_ts, payload.len());
        self.bytes += payload.len() as u64;
        &self.buf
    }
}

/// SplitMix64: spreads a seed into unrelated-looking SSRCs and starting values without an RNG
/// dependency (RFC 3550 only asks that they not be predictable by collision, not secret).
pub fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
