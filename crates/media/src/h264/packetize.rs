//! RFC 6184 packetization-mode 1 sender side: one access unit in, RTP payloads out.
//!
//! NAL units that fit go alone (single NAL unit packet, §5.6); runs of parameter sets (SPS/PPS)
//! are aggregated into STAP-A (§5.7.1) so a keyframe's set-up costs one packet; NAL units larger
//! than the payload limit are cut into FU-A fragments (§5.8) of near-equal size. The marker bit
//! is set on the last packet of the access unit (§5.1).

use super::{nal_type, NAL_FU_A, NAL_PPS, NAL_SPS, NAL_STAP_A};
use crate::rtp::{ClockRate, RtpPacket, RtpTime};

/// Default limit on RTP payload bytes: leaves room for IP/UDP/RTP headers and tunnels under a
/// 1500-byte Ethernet MTU.
pub const DEFAULT_MAX_PAYLOAD: usize = 1200;

/// One RTP payload of an access unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H264Payload {
    /// The bytes after the RTP header.
    pub payload: Vec<u8>,
    /// Whether this is the last packet of the access unit.
    pub marker: bool,
}

/// Splits access units into RTP payloads of at most `max_payload` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packetizer {
    max_payload: usize,
}

impl Default for Packetizer {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_PAYLOAD)
    }
}

fn is_parameter_set(nal: &[u8]) -> bool {
    matches!(nal_type(nal), NAL_SPS | NAL_PPS)
}

impl Packetizer {
    /// A packetizer with a payload limit (raised to 3 bytes if smaller: an FU-A needs room for
    /// its two header bytes and at least one byte of data).
    pub fn new(max_payload: usize) -> Self {
        Self {
            max_payload: max_payload.max(3),
        }
    }

    /// The payload limit.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Packetizes one access unit (its NAL units without start codes). Empty NAL units are
    /// skipped; an access unit with none yields nothing.
    pub fn packetize<N: AsRef<[u8]>>(&self, nals: &[N]) -> Vec<H264Payload> {
        let mut out = Vec::new();
        let nals: Vec<&[u8]> = nals
            .iter()
            .map(AsRef::as_ref)
            .filter(|n| !n.is_empty())
            .collect();
        let mut i = 0;
        while i < nals.len() {
            // Greedily aggregate a run of parameter sets that fits in one STAP-A.
            let mut j = i;
            let mut size = 1;
            while j < nals.len()
                && is_parameter_set(nals[j])
                && size + 2 + nals[j].len() <= self.max_payload
                && nals[j].len() <= usize::from(u16::MAX)
            {
                size += 2 + nals[j].len();
                j += 1;
            }
            if j - i >= 2 {
                out.push(stap_a(&nals[i..j]));
                i = j;
                continue;
            }
            let nal = nals[i];
            if nal.len() <= self.max_payload {
                out.push(nal.to_vec());
            } else {
                self.fu_a(nal, &mut out);
            }
            i += 1;
        }
        let last = out.len().saturating_sub(1);
        out.into_iter()
            .enumerate()
            .map(|(k, payload)| H264Payload {
                payload,
                marker: k == last,
            })
            .collect()
    }

    fn fu_a(&self, nal: &[u8], out: &mut Vec<Vec<u8>>) {
        let header = nal[0];
        let data = &nal[1..];
        let room = self.max_payload - 2;
        let count = data.len().div_ceil(room);
        // Equal-sized fragments rather than full ones plus a runt.
        let chunk = data.len().div_ceil(count);
        let count = data.len().div_ceil(chunk);
        for (k, part) in data.chunks(chunk).enumerate() {
            let mut fu_header = header & 0x1f;
            if k == 0 {
                fu_header |= 0x80;
            }
            if k == count - 1 {
                fu_header |= 0x40;
            }
            let mut p = Vec::with_capacity(2 + part.len());
            p.push((header & 0xe0) | NAL_FU_A);
            p.push(fu_header);
            p.extend_from_slice(part);
            out.push(p);
        }
    }
}

fn stap_a(nals: &[&[u8]]) -> Vec<u8> {
    // F is the OR of the aggregated F bits, NRI their maximum (RFC 6184 §5.7).
    let f = nals.iter().fold(0, |acc, n| acc | (n[0] & 0x80));
    let nri = nals.iter().map(|n| n[0] & 0x60).max().unwrap_or(0);
    let mut p = Vec::with_capacity(1 + nals.iter().map(|n| 2 + n.len()).sum::<usize>());
    p.push(f | nri | NAL_STAP_A);
    for n in nals {
        // The caller only aggregates NAL units shorter than 64 KiB.
        p.extend_from_slice(&(n.len() as u16).to_be_bytes());
        p.extend_from_slice(n);
    }
    p
}

/// A packetizer bound to one outgoing RTP stream: numbers the packets and stamps them with the
/// 90 kHz timestamp of the access unit.
#[derive(Debug, Clone)]
pub struct H264RtpSender {
    packetizer: Packetizer,
    ssrc: u32,
    payload_type: u8,
    next_seq: u16,
}

impl H264RtpSender {
    /// A sender for `ssrc` with dynamic payload type `payload_type`, first sequence number
    /// `first_seq` (the caller draws it at random, RFC 3550 §5.1).
    pub fn new(packetizer: Packetizer, ssrc: u32, payload_type: u8, first_seq: u16) -> Self {
        Self {
            packetizer,
            ssrc,
            payload_type,
            next_seq: first_seq,
        }
    }

    /// Serialized RTP packets for one access unit captured at media time `time` (converted to the
    /// 90 kHz clock).
    pub fn send<N: AsRef<[u8]>>(&mut self, nals: &[N], time: RtpTime) -> Vec<Vec<u8>> {
        let ts = time.rebase(ClockRate::VIDEO_90K).to_wire();
        self.packetizer
            .packetize(nals)
            .into_iter()
            .map(|p| {
                let mut rtp =
                    RtpPacket::new(self.payload_type & 0x7f, self.next_seq, ts, self.ssrc);
                rtp.marker = p.marker;
                rtp.payload = &p.payload;
                self.next_seq = self.next_seq.wrapping_add(1);
                let mut bytes = Vec::with_capacity(rtp.encoded_len());
                // The payload type is masked to 7 bits and there is no extension: cannot fail.
                let _ = rtp.write(&mut bytes);
                bytes
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_stap_and_fu() {
        let sps = [0x67, 0x42, 0xc0, 0x1e];
        let pps = [0x68, 0xce, 0x3c, 0x80];
        let idr: Vec<u8> = std::iter::once(0x65)
            .chain((0..3000).map(|i| (i % 251) as u8 + 1))
            .collect();
        let p = Packetizer::new(1200).packetize(&[&sps[..], &pps[..], &idr[..]]);
        // STAP-A(SPS, PPS), then 3000 data bytes in ceil(3000/1198) = 3 FU-A fragments.
        assert_eq!(p.len(), 4);
        assert_eq!(
            p[0].payload,
            [0x78, 0, 4, 0x67, 0x42, 0xc0, 0x1e, 0, 4, 0x68, 0xce, 0x3c, 0x80]
        );
        assert!(!p[0].marker);
        for (k, frag) in p[1..].iter().enumerate() {
            assert!(frag.payload.len() <= 1200);
            assert_eq!(frag.payload[0], 0x60 | 28);
            assert_eq!(frag.payload[1] & 0x1f, 5);
            assert_eq!(frag.payload[1] & 0x80 != 0, k == 0);
            assert_eq!(frag.payload[1] & 0x40 != 0, k == 2);
            assert_eq!(frag.marker, k == 2);
        }
        let total: usize = p[1..].iter().map(|f| f.payload.len() - 2).sum();
        assert_eq!(total, 3000);
        // Small slice: a single NAL unit packet with the marker.
        let one = Packetizer::default().packetize(&[[0x41u8, 1, 2]]);
        assert_eq!(
            one,
            vec![H264Payload {
                payload: vec![0x41, 1, 2],
                marker: true
            }]
        );
        assert!(Packetizer::default().packetize::<&[u8]>(&[]).is_empty());
        assert_eq!(Packetizer::new(0).max_payload(), 3);
    }

    #[test]
    fn rtp_sender_numbers_and_stamps() {
        let mut s = H264RtpSender::new(Packetizer::new(100), 0x55, 96, 65535);
        let nal: Vec<u8> = std::iter::once(0x41)
            .chain(std::iter::repeat_n(7, 250))
            .collect();
        let pkts = s.send(&[nal], RtpTime::new(1, ClockRate::new(30).unwrap()));
        assert_eq!(pkts.len(), 3);
        let parsed: Vec<_> = pkts.iter().map(|b| RtpPacket::parse(b).unwrap()).collect();
        assert_eq!(
            parsed.iter().map(|p| p.sequence).collect::<Vec<_>>(),
            [65535, 0, 1]
        );
        assert!(parsed
            .iter()
            .all(|p| p.timestamp == 3000 && p.payload_type == 96 && p.ssrc == 0x55));
        assert_eq!(
            parsed.iter().map(|p| p.marker).collect::<Vec<_>>(),
            [false, false, true]
        );
    }
}
