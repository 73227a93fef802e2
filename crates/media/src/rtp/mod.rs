//! RTP (RFC 3550 §5): the packet codec, sequence-number and timestamp extension, an RTP time
//! type that carries its clock rate, and the [`Rewriter`] that lets a relay splice several
//! sources into one continuous outgoing stream.
//!
//! Everything here is pure: no sockets, no clock reads. Whoever calls passes `now` in.

mod packet;
mod rewrite;
mod seq;
mod time;

pub use packet::{CsrcList, Extension, RtpBuildError, RtpError, RtpPacket, RTP_HEADER_LEN};
pub use rewrite::{Rewriter, Rewritten};
pub use seq::{SeqExtender, TimestampExtender};
pub use time::{ClockRate, RtpTime};

/// RTP payload type of G.711 µ-law (RFC 3551 table 4).
pub const PT_PCMU: u8 = 0;
/// RTP payload type of G.711 A-law (RFC 3551 table 4).
pub const PT_PCMA: u8 = 8;
