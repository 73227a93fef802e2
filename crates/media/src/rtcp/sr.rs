//! Sender reports (RFC 3550 §6.4.1) and the 64-bit NTP timestamp they carry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::rr::ReportBlock;
use super::{begin, count5, finish, Reader, RtcpBuildError, RtcpError, PT_SR};

/// Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// An NTP timestamp: seconds since 1900 in the high 32 bits, fraction in the low 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// Converts a wall-clock time the caller read (this crate never reads clocks itself).
    pub fn from_system_time(t: SystemTime) -> Self {
        Self::from_unix(t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO))
    }

    /// Converts a duration since the Unix epoch (wraps in 2036 like NTP era 0 does).
    pub fn from_unix(d: Duration) -> Self {
        let secs = d.as_secs().wrapping_add(NTP_UNIX_OFFSET);
        let frac = (u64::from(d.subsec_nanos()) << 32) / 1_000_000_000;
        Self(secs << 32 | frac)
    }

    /// The middle 32 bits, used as LSR in report blocks.
    pub fn middle32(self) -> u32 {
        (self.0 >> 16) as u32
    }
}

/// A sender report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderReport {
    /// The sender.
    pub ssrc: u32,
    /// Wall-clock time when this report was sent.
    pub ntp_time: NtpTime,
    /// The same instant on the RTP media clock.
    pub rtp_timestamp: u32,
    /// Packets sent since the start of transmission.
    pub packet_count: u32,
    /// Payload octets sent since the start of transmission.
    pub octet_count: u32,
    /// At most 31 report blocks about sources this sender receives.
    pub reports: Vec<ReportBlock>,
}

impl SenderReport {
    pub(crate) fn parse(count: u8, r: &mut Reader<'_>) -> Result<Self, RtcpError> {
        let ssrc = r.u32("SR SSRC")?;
        let msw = r.u32("SR NTP timestamp")?;
        let lsw = r.u32("SR NTP timestamp")?;
        let rtp_timestamp = r.u32("SR RTP timestamp")?;
        let packet_count = r.u32("SR packet count")?;
        let octet_count = r.u32("SR octet count")?;
        let mut reports = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            reports.push(ReportBlock::parse(r)?);
        }
        Ok(Self {
            ssrc,
            ntp_time: NtpTime(u64::from(msw) << 32 | u64::from(lsw)),
            rtp_timestamp,
            packet_count,
            octet_count,
            reports,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpBuildError> {
        let start = begin(out, count5(self.reports.len())?, PT_SR);
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&self.ntp_time.0.to_be_bytes());
        out.extend_from_slice(&self.rtp_timestamp.to_be_bytes());
        out.extend_from_slice(&self.packet_count.to_be_bytes());
        out.extend_from_slice(&self.octet_count.to_be_bytes());
        for b in &self.reports {
            b.write(out);
        }
        finish(out, start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntp_conversion() {
        let t = NtpTime::from_unix(Duration::new(1, 500_000_000));
        assert_eq!(t.0 >> 32, NTP_UNIX_OFFSET + 1);
        assert_eq!(t.0 & 0xffff_ffff, 0x8000_0000);
        assert_eq!(t.middle32(), ((NTP_UNIX_OFFSET + 1) as u32) << 16 | 0x8000);
    }
}
