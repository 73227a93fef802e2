//! TPKT framing (RFC 1006 clause 6, as H.225.0 clause 7 and H.245 use it on TCP).
//!
//! This module owns the 4-byte TPKT header — version 3, a reserved octet, and a 16-bit big-endian
//! length that counts the header itself — and nothing above it: [`encode`] wraps one payload, and
//! [`Deframer`] turns an arbitrarily split byte stream back into payloads.
//!
//! Written by hand: the format is four octets, and the Rust TPKT code that exists lives inside
//! RDP and ISO transport stacks with their own PDU types, so a pure, byte-offset-precise deframer
//! is cheaper to own than to adapt.
//!
//! ```
//! use h323::tpkt::{encode, Deframer};
//! let mut wire = Vec::new();
//! encode(b"hello", &mut wire).unwrap();
//! let mut deframer = Deframer::new();
//! for byte in &wire {
//!     deframer.push(std::slice::from_ref(byte));
//! }
//! assert_eq!(deframer.next_frame().unwrap().as_deref(), Some(&b"hello"[..]));
//! assert_eq!(deframer.next_frame().unwrap(), None);
//! ```

use thiserror::Error;

/// The TPKT version this module speaks (RFC 1006).
pub const VERSION: u8 = 3;
/// Length of the TPKT header in octets.
pub const HEADER_LEN: usize = 4;
/// Largest payload a TPKT frame can carry: the 16-bit length field counts the header too.
pub const MAX_PAYLOAD: usize = u16::MAX as usize - HEADER_LEN;

/// A TPKT framing error. Offsets count octets from the start of the stream.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TpktError {
    /// The caller asked to frame more than [`MAX_PAYLOAD`] octets.
    #[error("TPKT payload of {len} octets exceeds the maximum of {MAX_PAYLOAD}")]
    PayloadTooLarge {
        /// Length of the rejected payload.
        len: usize,
    },
    /// The version octet of a header was not 3.
    #[error("TPKT version {version} at stream offset {offset}, expected 3")]
    BadVersion {
        /// The version octet that was received.
        version: u8,
        /// Stream offset of the version octet.
        offset: u64,
    },
    /// The length field was smaller than the header it must include.
    #[error("TPKT length {length} at stream offset {offset} is shorter than the 4-octet header")]
    BadLength {
        /// The length field that was received.
        length: u16,
        /// Stream offset of the frame's first (version) octet.
        offset: u64,
    },
}

/// Appends one TPKT frame carrying `payload` to `out`.
///
/// Fails, leaving `out` untouched, when `payload` is longer than [`MAX_PAYLOAD`].
pub fn encode(payload: &[u8], out: &mut Vec<u8>) -> Result<(), TpktError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(TpktError::PayloadTooLarge { len: payload.len() });
    }
    // Cannot truncate: checked against MAX_PAYLOAD above.
    let length = (payload.len() + HEADER_LEN) as u16;
    out.reserve(HEADER_LEN + payload.len());
    out.extend_from_slice(&[VERSION, 0]);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

/// Reassembles TPKT frames from a TCP byte stream, whatever the segment boundaries.
///
/// Feed received bytes with [`push`](Self::push) and drain complete payloads with
/// [`next_frame`](Self::next_frame) until it returns `Ok(None)`. The length field is only ever
/// compared with what has arrived: it never sizes an allocation, so the buffer holds at most what
/// was pushed and not yet returned. A framing error is sticky, because after a bad header the
/// stream has no recoverable frame boundary: every later call returns the same error.
#[derive(Debug, Default, Clone)]
pub struct Deframer {
    buf: Vec<u8>,
    /// Index in `buf` of the first unconsumed octet; consumed octets are dropped lazily so that a
    /// byte-at-a-time stream does not memmove the whole buffer per frame.
    start: usize,
    /// Stream offset of `buf[start]`.
    offset: u64,
    error: Option<TpktError>,
}

impl Deframer {
    /// A deframer at stream offset 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends received octets.
    pub fn push(&mut self, data: &[u8]) {
        if self.error.is_some() {
            return;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Returns the next complete payload, `Ok(None)` when more octets are needed, or the framing
    /// error that made the rest of the stream unusable.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, TpktError> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        let pending = &self.buf[self.start..];
        // The version is checked as soon as it arrives so that a peer speaking something else
        // is reported without waiting for a full header.
        let Some(&version) = pending.first() else {
            return Ok(None);
        };
        if version != VERSION {
            return Err(self.fail(TpktError::BadVersion {
                version,
                offset: self.offset,
            }));
        }
        let Some(header) = pending.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let length = u16::from_be_bytes([header[2], header[3]]);
        if usize::from(length) < HEADER_LEN {
            return Err(self.fail(TpktError::BadLength {
                length,
                offset: self.offset,
            }));
        }
        let Some(frame) = pending.get(HEADER_LEN..usize::from(length)) else {
            return Ok(None);
        };
        let payload = frame.to_vec();
        self.start += usize::from(length);
        self.offset += u64::from(length);
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        Ok(Some(payload))
    }

    /// Octets received but not yet returned as part of a frame.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Stream offset of the next octet [`next_frame`](Self::next_frame) will look at.
    pub fn stream_offset(&self) -> u64 {
        self.offset
    }

    fn fail(&mut self, err: TpktError) -> TpktError {
        self.buf = Vec::new();
        self.start = 0;
        self.error = Some(err.clone());
        err
    }
}
