//! The RTP fixed header, CSRC list, header extension and padding (RFC 3550 §5.1, §5.3.1):
//! a borrowing parser and a serializer.
//!
//! [`RtpPacket`] borrows payload and extension bytes from the input so that a relay can parse,
//! rewrite and re-serialize a packet without copying the payload twice.

use thiserror::Error;

/// Length of the fixed RTP header, without CSRCs or extension.
pub const RTP_HEADER_LEN: usize = 12;

/// Why bytes are not an RTP packet. Every variant names the byte offset where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtpError {
    /// The buffer ended inside a field.
    #[error("RTP {field} at byte {offset} needs {needed} bytes, only {available} left")]
    Truncated {
        /// Field being read.
        field: &'static str,
        /// Offset of the field.
        offset: usize,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// The version bits are not 2.
    #[error("RTP version {version} at byte 0, expected 2")]
    BadVersion {
        /// The version found.
        version: u8,
    },
    /// The padding count (last byte) is zero or larger than what follows the header.
    #[error(
        "RTP padding count {count} at byte {offset} exceeds the {available} bytes after the header"
    )]
    BadPadding {
        /// Offset of the padding-count byte (the last byte of the packet).
        offset: usize,
        /// The count found.
        count: u8,
        /// Bytes between the end of the header and the end of the packet.
        available: usize,
    },
}

/// Why an [`RtpPacket`] cannot be serialized.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtpBuildError {
    /// Payload types are 7 bits.
    #[error("payload type {0} does not fit in 7 bits")]
    PayloadType(u8),
    /// Header extension data must be a whole number of 32-bit words, at most 65535 of them.
    #[error("header extension of {0} bytes is not a whole number of 32-bit words (max 65535)")]
    Extension(usize),
}

/// Up to 15 contributing sources, stored inline so parsing never allocates.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct CsrcList {
    ids: [u32; 15],
    len: u8,
}

impl CsrcList {
    /// An empty list.
    pub const fn new() -> Self {
        Self {
            ids: [0; 15],
            len: 0,
        }
    }

    /// Builds a list from a slice; `None` if it holds more than 15 entries.
    pub fn from_slice(ids: &[u32]) -> Option<Self> {
        let mut list = Self::new();
        for &id in ids {
            list.push(id).then_some(())?;
        }
        Some(list)
    }

    /// Appends a CSRC; returns false (and changes nothing) when the list is full.
    pub fn push(&mut self, id: u32) -> bool {
        let Some(slot) = self.ids.get_mut(usize::from(self.len)) else {
            return false;
        };
        *slot = id;
        self.len += 1;
        true
    }

    /// The CSRCs in order.
    pub fn as_slice(&self) -> &[u32] {
        &self.ids[..usize::from(self.len)]
    }

    /// Number of CSRCs.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl std::fmt::Debug for CsrcList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// An RTP header extension (RFC 3550 §5.3.1): a 16-bit profile-defined value and data whose
/// length is a multiple of four bytes. RFC 8285 one-/two-byte element parsing is left to callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The "defined by profile" field (0xBEDE for RFC 8285 one-byte headers).
    pub profile: u16,
    /// Extension data, without the 4-byte extension header.
    pub data: &'a [u8],
}

/// One RTP packet, borrowing its payload and extension from the buffer it was parsed from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Marker bit (profile-defined: talkspurt start for audio, last packet of a frame for video).
    pub marker: bool,
    /// 7-bit payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp in the payload's clock rate.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Contributing sources.
    pub csrc: CsrcList,
    /// Header extension, if the X bit is set.
    pub extension: Option<Extension<'a>>,
    /// Payload, without padding.
    pub payload: &'a [u8],
    /// Number of padding bytes including the final count byte; 0 means the P bit is clear.
    pub padding: u8,
}

fn need(buf: &[u8], offset: usize, len: usize, field: &'static str) -> Result<(), RtpError> {
    let available = buf.len().saturating_sub(offset);
    if available < len {
        return Err(RtpError::Truncated {
            field,
            offset,
            needed: len,
            available,
        });
    }
    Ok(())
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> RtpPacket<'a> {
    /// A packet with the given header fields, empty payload and no CSRC, extension or padding.
    pub fn new(payload_type: u8, sequence: u16, timestamp: u32, ssrc: u32) -> Self {
        Self {
            marker: false,
            payload_type,
            sequence,
            timestamp,
            ssrc,
            csrc: CsrcList::new(),
            extension: None,
            payload: &[],
            padding: 0,
        }
    }

    /// Parses one RTP packet. Never panics; every failure says where.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        need(buf, 0, RTP_HEADER_LEN, "fixed header")?;
        let version = buf[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion { version });
        }
        let has_padding = buf[0] & 0x20 != 0;
        let has_extension = buf[0] & 0x10 != 0;
        let cc = usize::from(buf[0] & 0x0f);
        let mut at = RTP_HEADER_LEN;
        need(buf, at, cc * 4, "CSRC list")?;
        let mut csrc = CsrcList::new();
        for i in 0..cc {
            csrc.push(be32(buf, at + i * 4));
        }
        at += cc * 4;
        let extension = if has_extension {
            need(buf, at, 4, "extension header")?;
            let profile = u16::from_be_bytes([buf[at], buf[at + 1]]);
            let words = usize::from(u16::from_be_bytes([buf[at + 2], buf[at + 3]]));
            at += 4;
            need(buf, at, words * 4, "extension data")?;
            let data = &buf[at..at + words * 4];
            at += words * 4;
            Some(Extension { profile, data })
        } else {
            None
        };
        let mut end = buf.len();
        let mut padding = 0;
        if has_padding {
            let count = buf[end - 1];
            let available = end - at;
            if count == 0 || usize::from(count) > available {
                return Err(RtpError::BadPadding {
                    offset: end - 1,
                    count,
                    available,
                });
            }
            padding = count;
            end -= usize::from(count);
        }
        Ok(Self {
            marker: buf[1] & 0x80 != 0,
            payload_type: buf[1] & 0x7f,
            sequence: u16::from_be_bytes([buf[2], buf[3]]),
            timestamp: be32(buf, 4),
            ssrc: be32(buf, 8),
            csrc,
            extension,
            payload: &buf[at..end],
            padding,
        })
    }

    /// Length of the header (fixed part, CSRCs and extension).
    pub fn header_len(&self) -> usize {
        RTP_HEADER_LEN + self.csrc.len() * 4 + self.extension.map_or(0, |e| 4 + e.data.len())
    }

    /// Total serialized length.
    pub fn encoded_len(&self) -> usize {
        self.header_len() + self.payload.len() + usize::from(self.padding)
    }

    /// Appends the serialized packet to `out`. Padding bytes are zero except the count byte.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtpBuildError> {
        if self.payload_type > 0x7f {
            return Err(RtpBuildError::PayloadType(self.payload_type));
        }
        if let Some(ext) = self.extension {
            if ext.data.len() % 4 != 0 || ext.data.len() / 4 > usize::from(u16::MAX) {
                return Err(RtpBuildError::Extension(ext.data.len()));
            }
        }
        out.reserve(self.encoded_len());
        // CsrcList holds at most 15 entries, so the count always fits the 4-bit CC field.
        let mut b0 = 0x80 | self.csrc.len() as u8;
        if self.padding > 0 {
            b0 |= 0x20;
        }
        if self.extension.is_some() {
            b0 |= 0x10;
        }
        out.push(b0);
        out.push(u8::from(self.marker) << 7 | self.payload_type);
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for id in self.csrc.as_slice() {
            out.extend_from_slice(&id.to_be_bytes());
        }
        if let Some(ext) = self.extension {
            out.extend_from_slice(&ext.profile.to_be_bytes());
            // Checked above: the word count fits in 16 bits.
            out.extend_from_slice(&((ext.data.len() / 4) as u16).to_be_bytes());
            out.extend_from_slice(ext.data);
        }
        out.extend_from_slice(self.payload);
        if self.padding > 0 {
            out.resize(out.len() + usize::from(self.padding) - 1, 0);
            out.push(self.padding);
        }
        Ok(())
    }

    /// Serializes into a new vector.
    pub fn to_vec(&self) -> Result<Vec<u8>, RtpBuildError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.write(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_rfc_example_header() {
        // V=2, no P/X, CC=0, M=1, PT=0, seq=0x1234, ts=0xdeadbeef, ssrc=0x01020304.
        let bytes = [
            0x80, 0x80, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 0xaa, 0xbb,
        ];
        let p = RtpPacket::parse(&bytes).unwrap();
        assert!(p.marker);
        assert_eq!(p.payload_type, 0);
        assert_eq!(p.sequence, 0x1234);
        assert_eq!(p.timestamp, 0xdead_beef);
        assert_eq!(p.ssrc, 0x0102_0304);
        assert_eq!(p.payload, &[0xaa, 0xbb]);
        assert_eq!(p.to_vec().unwrap(), bytes);
    }

    #[test]
    fn csrc_extension_and_padding() {
        let mut p = RtpPacket::new(96, 7, 9, 11);
        p.csrc = CsrcList::from_slice(&[1, 2, 3]).unwrap();
        p.extension = Some(Extension {
            profile: 0xbede,
            data: &[1, 2, 3, 4, 5, 6, 7, 8],
        });
        p.payload = b"hello";
        p.padding = 3;
        let bytes = p.to_vec().unwrap();
        assert_eq!(bytes.len(), 12 + 12 + 4 + 8 + 5 + 3);
        assert_eq!(bytes[0], 0x80 | 0x20 | 0x10 | 3);
        assert_eq!(*bytes.last().unwrap(), 3);
        assert_eq!(RtpPacket::parse(&bytes).unwrap(), p);
    }

    #[test]
    fn errors_carry_offsets() {
        assert_eq!(
            RtpPacket::parse(&[0x80, 0, 0]),
            Err(RtpError::Truncated {
                field: "fixed header",
                offset: 0,
                needed: 12,
                available: 3
            })
        );
        let mut v1 = [0u8; 12];
        v1[0] = 0x40;
        assert_eq!(
            RtpPacket::parse(&v1),
            Err(RtpError::BadVersion { version: 1 })
        );
        let mut cc = vec![0x82u8; 12];
        cc.extend_from_slice(&[0, 0, 0, 1]);
        assert!(matches!(
            RtpPacket::parse(&cc),
            Err(RtpError::Truncated {
                field: "CSRC list",
                offset: 12,
                needed: 8,
                available: 4
            })
        ));
        let mut ext = vec![
            0x90u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 2, 1, 2, 3, 4,
        ];
        assert!(matches!(
            RtpPacket::parse(&ext),
            Err(RtpError::Truncated {
                field: "extension data",
                offset: 16,
                ..
            })
        ));
        ext.truncate(14);
        assert!(matches!(
            RtpPacket::parse(&ext),
            Err(RtpError::Truncated {
                field: "extension header",
                offset: 12,
                ..
            })
        ));
        let mut pad = vec![0xa0u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5];
        assert_eq!(
            RtpPacket::parse(&pad),
            Err(RtpError::BadPadding {
                offset: 13,
                count: 5,
                available: 2
            })
        );
        *pad.last_mut().unwrap() = 0;
        assert!(matches!(
            RtpPacket::parse(&pad),
            Err(RtpError::BadPadding { count: 0, .. })
        ));
    }

    #[test]
    fn build_errors() {
        let p = RtpPacket::new(128, 0, 0, 0);
        assert_eq!(p.to_vec(), Err(RtpBuildError::PayloadType(128)));
        let mut p = RtpPacket::new(0, 0, 0, 0);
        p.extension = Some(Extension {
            profile: 1,
            data: &[1, 2, 3],
        });
        assert_eq!(p.to_vec(), Err(RtpBuildError::Extension(3)));
    }

    #[test]
    fn csrc_list_is_bounded() {
        let mut l = CsrcList::new();
        for i in 0..15 {
            assert!(l.push(i));
        }
        assert!(!l.push(99));
        assert_eq!(l.len(), 15);
        assert!(CsrcList::from_slice(&[0; 16]).is_none());
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = RtpPacket::parse(&bytes);
        }

        #[test]
        fn parse_then_write_is_identity_modulo_padding_content(
            bytes in proptest::collection::vec(any::<u8>(), 12..200)
        ) {
            if let Ok(p) = RtpPacket::parse(&bytes) {
                let again = p.to_vec().unwrap();
                prop_assert_eq!(again.len(), bytes.len());
                prop_assert_eq!(RtpPacket::parse(&again).unwrap(), p);
            }
        }

        #[test]
        fn build_parse_round_trip(
            marker in any::<bool>(), pt in 0u8..128, seq in any::<u16>(), ts in any::<u32>(),
            ssrc in any::<u32>(), csrc in proptest::collection::vec(any::<u32>(), 0..16),
            ext in proptest::option::of((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..8))),
            payload in proptest::collection::vec(any::<u8>(), 0..64), padding in any::<u8>(),
        ) {
            let ext_data: Option<(u16, Vec<u8>)> = ext.map(|(p, mut d)| {
                d.truncate(d.len() / 4 * 4);
                (p, d)
            });
            let mut p = RtpPacket::new(pt, seq, ts, ssrc);
            p.marker = marker;
            p.csrc = CsrcList::from_slice(&csrc).unwrap();
            p.extension = ext_data.as_ref().map(|(profile, data)| Extension { profile: *profile, data });
            p.payload = &payload;
            p.padding = padding;
            let bytes = p.to_vec().unwrap();
            prop_assert_eq!(bytes.len(), p.encoded_len());
            prop_assert_eq!(RtpPacket::parse(&bytes).unwrap(), p);
        }
    }
}
