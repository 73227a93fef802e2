//! H.264 over RTP, RFC 6184 packetization-mode 1 (non-interleaved): single NAL unit packets,
//! STAP-A aggregates and FU-A fragments, plus Annex B byte-stream helpers.
//!
//! `packetize` turns one access unit (a picture's NAL units) into RTP payloads; `depacketize`
//! reassembles access units from RTP payloads, notices loss from sequence gaps, drops what is
//! incomplete and says when the caller should ask the sender for a keyframe; `annexb` converts
//! between start-code byte streams (what encoders emit) and NAL unit lists.

mod annexb;
mod depacketize;
mod packetize;

pub use annexb::{join_annex_b, split_annex_b};
pub use depacketize::{AccessUnit, Depacketizer, DepacketizerStats};
pub use packetize::{H264Payload, H264RtpSender, Packetizer, DEFAULT_MAX_PAYLOAD};

use thiserror::Error;

/// NAL unit type of a non-IDR coded slice.
pub const NAL_SLICE: u8 = 1;
/// NAL unit type of an IDR coded slice (a keyframe).
pub const NAL_IDR: u8 = 5;
/// NAL unit type of SEI.
pub const NAL_SEI: u8 = 6;
/// NAL unit type of a sequence parameter set.
pub const NAL_SPS: u8 = 7;
/// NAL unit type of a picture parameter set.
pub const NAL_PPS: u8 = 8;
/// RTP payload type of a STAP-A aggregate.
pub const NAL_STAP_A: u8 = 24;
/// RTP payload type of an FU-A fragment.
pub const NAL_FU_A: u8 = 28;

/// The NAL unit type (low five bits of the first byte); 0 for an empty slice.
pub fn nal_type(nal: &[u8]) -> u8 {
    nal.first().map_or(0, |b| b & 0x1f)
}

/// Why an RTP payload is not valid H.264 packetization-mode 1. Offsets are within the payload.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum H264Error {
    /// An empty payload.
    #[error("empty H.264 RTP payload")]
    Empty,
    /// The payload ended inside a field.
    #[error("H.264 {field} at byte {offset} needs {needed} bytes, only {available} left")]
    Truncated {
        /// Field being read.
        field: &'static str,
        /// Offset in the payload.
        offset: usize,
        /// Bytes needed.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// A payload type this mode does not allow (0, 25–27 STAP-B/MTAP, 29 FU-B, 30, 31).
    #[error("H.264 NAL/payload type {nal_type} at byte 0 is not allowed in packetization-mode 1")]
    Unsupported {
        /// The type found.
        nal_type: u8,
    },
    /// An FU-A continuation without its start, or a start while another NAL was in progress.
    #[error("FU-A fragment out of sequence at byte 1")]
    FragmentOrder,
    /// The access unit grew beyond the configured bound.
    #[error("access unit exceeds {0} bytes")]
    TooLarge(usize),
}
