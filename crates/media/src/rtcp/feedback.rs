//! Payload-specific feedback (RFC 4585 §6.3, RFC 5104 §4.3.1): picture loss indication and full
//! intra request, the RTP-level ways to ask a video sender for a keyframe.

use super::{begin, finish, Reader, RtcpBuildError, RtcpError, PT_PSFB};

/// PSFB format of PLI.
pub(crate) const FMT_PLI: u8 = 1;
/// PSFB format of FIR.
pub(crate) const FMT_FIR: u8 = 4;

/// Picture loss indication: "I lost pictures of `media_ssrc`, send me a keyframe".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pli {
    /// Who asks.
    pub sender_ssrc: u32,
    /// Whose video.
    pub media_ssrc: u32,
}

impl Pli {
    pub(crate) fn parse(r: &mut Reader<'_>) -> Result<Self, RtcpError> {
        Ok(Self {
            sender_ssrc: r.u32("PLI sender SSRC")?,
            media_ssrc: r.u32("PLI media SSRC")?,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpBuildError> {
        let start = begin(out, FMT_PLI, PT_PSFB);
        out.extend_from_slice(&self.sender_ssrc.to_be_bytes());
        out.extend_from_slice(&self.media_ssrc.to_be_bytes());
        finish(out, start)
    }
}

/// One FIR request: the target and a command sequence number it uses to spot repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FirEntry {
    /// The sender asked for an intra picture.
    pub ssrc: u32,
    /// Incremented for each new request.
    pub seq: u8,
}

/// Full intra request (RFC 5104).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fir {
    /// Who asks.
    pub sender_ssrc: u32,
    /// The requests.
    pub entries: Vec<FirEntry>,
}

impl Fir {
    pub(crate) fn parse(r: &mut Reader<'_>) -> Result<Self, RtcpError> {
        let sender_ssrc = r.u32("FIR sender SSRC")?;
        // RFC 5104 §4.3.1.1: the media SSRC field is unused and zero; the targets are in the FCI.
        r.u32("FIR media SSRC")?;
        let mut entries = Vec::new();
        while r.remaining() >= 8 {
            let ssrc = r.u32("FIR FCI SSRC")?;
            let seq = r.u8("FIR FCI sequence number")?;
            r.bytes(3, "FIR FCI reserved")?;
            entries.push(FirEntry { ssrc, seq });
        }
        Ok(Self {
            sender_ssrc,
            entries,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpBuildError> {
        let start = begin(out, FMT_FIR, PT_PSFB);
        out.extend_from_slice(&self.sender_ssrc.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.ssrc.to_be_bytes());
            out.extend_from_slice(&[e.seq, 0, 0, 0]);
        }
        finish(out, start)
    }
}
