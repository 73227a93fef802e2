//! Goodbye packets (RFC 3550 §6.6): sources leaving, with an optional reason.

use super::{begin, count5, finish, Reader, RtcpBuildError, RtcpError, PT_BYE};

/// A BYE packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bye {
    /// The sources leaving (at most 31).
    pub sources: Vec<u32>,
    /// Why, at most 255 bytes.
    pub reason: Option<Vec<u8>>,
}

impl Bye {
    pub(crate) fn parse(count: u8, r: &mut Reader<'_>) -> Result<Self, RtcpError> {
        let mut sources = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            sources.push(r.u32("BYE SSRC")?);
        }
        let reason = if r.remaining() > 0 {
            let len = r.u8("BYE reason length")?;
            Some(r.bytes(usize::from(len), "BYE reason")?.to_vec())
        } else {
            None
        };
        Ok(Self { sources, reason })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpBuildError> {
        let start = begin(out, count5(self.sources.len())?, PT_BYE);
        for s in &self.sources {
            out.extend_from_slice(&s.to_be_bytes());
        }
        if let Some(reason) = &self.reason {
            let len = u8::try_from(reason.len())
                .map_err(|_| RtcpBuildError::TextTooLong(reason.len()))?;
            out.push(len);
            out.extend_from_slice(reason);
            while !(out.len() - start).is_multiple_of(4) {
                out.push(0);
            }
        }
        finish(out, start)
    }
}
