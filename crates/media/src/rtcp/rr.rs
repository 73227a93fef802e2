//! Receiver reports (RFC 3550 §6.4.2) and the report block shared with sender reports (§6.4.1).

use super::{begin, count5, finish, Reader, RtcpBuildError, RtcpError, PT_RR};

/// Reception statistics about one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source these statistics are about.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost: a 24-bit signed field (duplicates can make it negative).
    /// Values outside -2^23..2^23 are clamped when written.
    pub cumulative_lost: i32,
    /// Extended highest sequence number received (cycles << 16 | highest).
    pub extended_highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received from this source, or 0.
    pub last_sr: u32,
    /// Delay since that SR was received, in 1/65536 s, or 0.
    pub delay_since_last_sr: u32,
}

impl ReportBlock {
    pub(crate) fn parse(r: &mut Reader<'_>) -> Result<Self, RtcpError> {
        let ssrc = r.u32("report block SSRC")?;
        let lost = r.u32("report block loss")?;
        // The low 24 bits are a two's-complement count: shift up and back down to sign-extend.
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        Ok(Self {
            ssrc,
            fraction_lost: (lost >> 24) as u8,
            cumulative_lost,
            extended_highest_seq: r.u32("report block extended highest sequence")?,
            jitter: r.u32("report block jitter")?,
            last_sr: r.u32("report block LSR")?,
            delay_since_last_sr: r.u32("report block DLSR")?,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let lost = self.cumulative_lost.clamp(-(1 << 23), (1 << 23) - 1) as u32 & 0x00ff_ffff;
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(&(u32::from(self.fraction_lost) << 24 | lost).to_be_bytes());
        out.extend_from_slice(&self.extended_highest_seq.to_be_bytes());
        out.extend_from_slice(&self.jitter.to_be_bytes());
        out.extend_from_slice(&self.last_sr.to_be_bytes());
        out.extend_from_slice(&self.delay_since_last_sr.to_be_bytes());
    }
}

/// A receiver report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverReport {
    /// The reporter.
    pub ssrc: u32,
    /// At most 31 report blocks.
    pub reports: Vec<ReportBlock>,
}

impl ReceiverReport {
    pub(crate) fn parse(count: u8, r: &mut Reader<'_>) -> Result<Self, RtcpError> {
        let ssrc = r.u32("RR SSRC")?;
        let mut reports = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            reports.push(ReportBlock::parse(r)?);
        }
        // Anything after the blocks is a profile-specific extension, which we do not use.
        Ok(Self { ssrc, reports })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpBuildError> {
        let start = begin(out, count5(self.reports.len())?, PT_RR);
        out.extend_from_slice(&self.ssrc.to_be_bytes());
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
    fn negative_and_clamped_cumulative_loss() {
        for (value, wire, back) in [
            (-1, 0x00ff_ffff, -1),
            (5, 5, 5),
            (-(1 << 23), 0x0080_0000, -(1 << 23)),
            (1 << 30, 0x007f_ffff, (1 << 23) - 1),
            (-(1 << 30), 0x0080_0000, -(1 << 23)),
        ] {
            let b = ReportBlock {
                fraction_lost: 0x40,
                cumulative_lost: value,
                ..Default::default()
            };
            let mut out = Vec::new();
            b.write(&mut out);
            let word = u32::from_be_bytes([out[4], out[5], out[6], out[7]]);
            assert_eq!(word, 0x4000_0000 | wire);
            let parsed = ReportBlock::parse(&mut Reader::new(&out, 0)).unwrap();
            assert_eq!(parsed.cumulative_lost, back);
            assert_eq!(parsed.fraction_lost, 0x40);
        }
    }
}
