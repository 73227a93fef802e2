//! RTCP (RFC 3550 §6, RFC 4585 §6.3): one file per packet type plus compound packets.
//!
//! This module owns the common header, the error types and the [`RtcpPacket`] enum; `sr`, `rr`,
//! `sdes`, `bye` and `feedback` (PLI, FIR) own their bodies; `compound` owns the sequence of
//! packets in one datagram. Parsers never panic and report the byte offset (from the start of the
//! datagram) of whatever is wrong. Builders never emit padding: it only exists for encryption.

mod bye;
mod compound;
mod feedback;
mod rr;
mod sdes;
mod sr;

pub use bye::Bye;
pub use compound::{build_compound, is_rtcp, parse_compound};
pub use feedback::{Fir, FirEntry, Pli};
pub use rr::{ReceiverReport, ReportBlock};
pub use sdes::{Sdes, SdesChunk, SdesItem, SDES_CNAME};
pub use sr::{NtpTime, SenderReport};

use thiserror::Error;

/// Packet type of a sender report.
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report.
pub const PT_RR: u8 = 201;
/// Packet type of a source description.
pub const PT_SDES: u8 = 202;
/// Packet type of a goodbye.
pub const PT_BYE: u8 = 203;
/// Packet type of application-defined packets.
pub const PT_APP: u8 = 204;
/// Packet type of transport-layer feedback (RFC 4585).
pub const PT_RTPFB: u8 = 205;
/// Packet type of payload-specific feedback (RFC 4585): PLI, FIR.
pub const PT_PSFB: u8 = 206;

/// Why bytes are not RTCP. Offsets count from the start of the datagram.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// The data ended inside a field.
    #[error("RTCP {field} at byte {offset} needs {needed} bytes, only {available} left")]
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
    /// Version bits other than 2.
    #[error("RTCP version {version} at byte {offset}, expected 2")]
    BadVersion {
        /// Offset of the packet header.
        offset: usize,
        /// The version found.
        version: u8,
    },
    /// The padding count is zero or covers the header.
    #[error("RTCP padding count {count} at byte {offset} is invalid")]
    BadPadding {
        /// Offset of the padding-count byte.
        offset: usize,
        /// The count found.
        count: u8,
    },
    /// The datagram holds no packet at all.
    #[error("empty RTCP datagram")]
    Empty,
}

/// Why a packet cannot be serialized.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RtcpBuildError {
    /// More than 31 report blocks, SSRCs, chunks or FCI entries in one packet.
    #[error("{0} entries do not fit the 5-bit count field")]
    TooManyEntries(usize),
    /// An SDES item or BYE reason longer than 255 bytes.
    #[error("text of {0} bytes exceeds 255")]
    TextTooLong(usize),
    /// A packet longer than the 16-bit length field allows.
    #[error("packet of {0} bytes exceeds the length field")]
    TooLong(usize),
    /// A compound packet must start with SR or RR (RFC 3550 §6.1).
    #[error("compound RTCP must start with a sender or receiver report")]
    FirstNotReport,
    /// An unknown packet's format/count value does not fit 5 bits or its body is not 32-bit aligned.
    #[error("unknown packet with count {count} and {len} body bytes cannot be encoded")]
    BadUnknown {
        /// The count field.
        count: u8,
        /// Body length.
        len: usize,
    },
}

/// One RTCP packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket {
    /// SR, PT 200.
    SenderReport(SenderReport),
    /// RR, PT 201.
    ReceiverReport(ReceiverReport),
    /// SDES, PT 202.
    Sdes(Sdes),
    /// BYE, PT 203.
    Bye(Bye),
    /// Picture loss indication, PT 206 FMT 1.
    Pli(Pli),
    /// Full intra request, PT 206 FMT 4.
    Fir(Fir),
    /// Any other packet, kept as bytes (APP, NACK, XR, ...).
    Unknown {
        /// Packet type.
        packet_type: u8,
        /// The 5-bit count/format field.
        count: u8,
        /// Body after the 4-byte header, without padding.
        body: Vec<u8>,
    },
}

impl RtcpPacket {
    /// The packet-type octet this packet carries.
    pub fn packet_type(&self) -> u8 {
        match self {
            Self::SenderReport(_) => PT_SR,
            Self::ReceiverReport(_) => PT_RR,
            Self::Sdes(_) => PT_SDES,
            Self::Bye(_) => PT_BYE,
            Self::Pli(_) | Self::Fir(_) => PT_PSFB,
            Self::Unknown { packet_type, .. } => *packet_type,
        }
    }

    /// Appends this packet to `out`.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), RtcpBuildError> {
        match self {
            Self::SenderReport(p) => p.write(out),
            Self::ReceiverReport(p) => p.write(out),
            Self::Sdes(p) => p.write(out),
            Self::Bye(p) => p.write(out),
            Self::Pli(p) => p.write(out),
            Self::Fir(p) => p.write(out),
            Self::Unknown {
                packet_type,
                count,
                body,
            } => {
                if *count > 31 || body.len() % 4 != 0 {
                    return Err(RtcpBuildError::BadUnknown {
                        count: *count,
                        len: body.len(),
                    });
                }
                let start = begin(out, *count, *packet_type);
                out.extend_from_slice(body);
                finish(out, start)
            }
        }
    }
}

/// A bounds-checked big-endian reader whose errors carry datagram offsets.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], base: usize) -> Self {
        Self { buf, pos: 0, base }
    }

    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], RtcpError> {
        if self.remaining() < n {
            return Err(RtcpError::Truncated {
                field,
                offset: self.offset(),
                needed: n,
                available: self.remaining(),
            });
        }
        let b = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, RtcpError> {
        Ok(self.bytes(1, field)?[0])
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, RtcpError> {
        let b = self.bytes(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Writes a header with a zero length; [`finish`] fills the length in. Returns the header offset.
pub(crate) fn begin(out: &mut Vec<u8>, count: u8, packet_type: u8) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0x80 | (count & 0x1f), packet_type, 0, 0]);
    start
}

/// Sets the length field of the packet that starts at `start` (the body must be 32-bit aligned).
pub(crate) fn finish(out: &mut [u8], start: usize) -> Result<(), RtcpBuildError> {
    let len = out.len() - start;
    debug_assert_eq!(len % 4, 0);
    let words = u16::try_from(len / 4 - 1).map_err(|_| RtcpBuildError::TooLong(len))?;
    out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
    Ok(())
}

/// Converts a list length to the 5-bit count field.
pub(crate) fn count5(n: usize) -> Result<u8, RtcpBuildError> {
    u8::try_from(n)
        .ok()
        .filter(|&c| c <= 31)
        .ok_or(RtcpBuildError::TooManyEntries(n))
}
