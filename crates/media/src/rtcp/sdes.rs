//! Source descriptions (RFC 3550 §6.5): chunks of (type, length, text) items per SSRC. Only
//! CNAME is mandatory; other item types are kept as raw bytes.

use super::{begin, count5, finish, Reader, RtcpBuildError, RtcpError, PT_SDES};

/// SDES item type of the canonical name.
pub const SDES_CNAME: u8 = 1;

/// One SDES item. Text is UTF-8 by the RFC, but kept as bytes so odd peers still parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesItem {
    /// Item type (1 = CNAME, 2 = NAME, ...).
    pub kind: u8,
    /// Item text, at most 255 bytes.
    pub value: Vec<u8>,
}

/// The items describing one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: u32,
    /// Its items.
    pub items: Vec<SdesItem>,
}

/// A source description packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sdes {
    /// At most 31 chunks.
    pub chunks: Vec<SdesChunk>,
}

impl Sdes {
    /// An SDES with one chunk carrying only a CNAME, which is what every compound RTCP needs.
    pub fn cname(ssrc: u32, cname: &str) -> Self {
        Self {
            chunks: vec![SdesChunk {
                ssrc,
                items: vec![SdesItem {
                    kind: SDES_CNAME,
                    value: cname.as_bytes().to_vec(),
                }],
            }],
        }
    }

    /// The CNAME of `ssrc`, if present.
    pub fn cname_of(&self, ssrc: u32) -> Option<&[u8]> {
        self.chunks
            .iter()
            .filter(|c| c.ssrc == ssrc)
            .flat_map(|c| &c.items)
            .find(|i| i.kind == SDES_CNAME)
            .map(|i| i.value.as_slice())
    }

    pub(crate) fn parse(count: u8, r: &mut Reader<'_>) -> Result<Self, RtcpError> {
        let mut chunks = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let ssrc = r.u32("SDES chunk SSRC")?;
            let mut items = Vec::new();
            loop {
                let kind = r.u8("SDES item type")?;
                if kind == 0 {
                    // The null item ends the list; the chunk is then padded to a 32-bit boundary.
                    let pad = (4 - (r.offset() % 4)) % 4;
                    r.bytes(pad, "SDES chunk padding")?;
                    break;
                }
                let len = r.u8("SDES item length")?;
                let value = r.bytes(usize::from(len), "SDES item text")?.to_vec();
                items.push(SdesItem { kind, value });
            }
            chunks.push(SdesChunk { ssrc, items });
        }
        Ok(Self { chunks })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpBuildError> {
        let start = begin(out, count5(self.chunks.len())?, PT_SDES);
        for c in &self.chunks {
            out.extend_from_slice(&c.ssrc.to_be_bytes());
            for i in &c.items {
                let len = u8::try_from(i.value.len())
                    .map_err(|_| RtcpBuildError::TextTooLong(i.value.len()))?;
                out.push(i.kind);
                out.push(len);
                out.extend_from_slice(&i.value);
            }
            // Null item, then zeros up to the next 32-bit boundary.
            out.push(0);
            while !(out.len() - start).is_multiple_of(4) {
                out.push(0);
            }
        }
        finish(out, start)
    }
}
