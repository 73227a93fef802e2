//! ASN.1 ALIGNED PER (ITU-T X.691), the wire format of H.225.0 and H.245: one
//! `encode`/`decode` pair over the rasn types in [`crate::asn`], with an error
//! that names the ASN.1 type.
//!
//! The codec is rasn's (`rasn::aper`); this module only adds the type name to
//! its errors and a size guard, so that no caller handles rasn errors directly.
//!
//! # Robustness on hostile input
//!
//! rasn 0.30's APER decoder was checked for panics and for allocations driven by
//! length fields: octets are copied only after a bounds-checked `take` of the
//! input, nesting is capped at depth 128, and a `SEQUENCE OF` reserves
//! `min(claimed count, remaining input bits)` elements. So a length field alone
//! can reserve at most one element per input bit (and at most 64K elements):
//! with the largest element type of these modules (3008 bytes, an IRR's
//! per-call H323-UU-PDU record) a 2 KiB datagram can make rasn *reserve* up to
//! ~49 MB of address space, mostly never touched. That is bounded, not
//! unbounded; callers decoding untrusted datagrams concurrently should bound
//! their concurrency. [`decode`] refuses inputs above [`MAX_PDU_LEN`] before
//! decoding. `tests/per_robustness.rs` (random and mutated real PDUs under a
//! peak-allocation-tracking allocator) and the fuzz targets `h225_user_info`,
//! `ras` and `h245` exercise this; neither found a panic, so no `catch_unwind`
//! is needed (and none would help against an allocation failure, which aborts).
//!
//! # Extensibility
//!
//! A `SEQUENCE` extension addition we do not know (sent by a newer peer) is
//! skipped on decode and is **not** kept: re-encoding the decoded value drops it.
//! An unknown `CHOICE` extension alternative fails to decode in rasn, because the
//! generated enums have no variant to hold it; [`crate::h225::UserInfo`] and
//! [`crate::h225::ras::Ras`] catch it at the message-body level (see there) and
//! keep its octets, so it re-encodes unchanged.
//!
//! # rasn 0.30 defects, corrected in the generated code
//!
//! Two defects of rasn with rasn-compiler's output made real peers' messages
//! undecodable; `xtask` rewrites the generated types to avoid both
//! (`xtask/src/postprocess.rs`, recorded in `asn1/UPSTREAM.md`):
//!
//! - An extension addition that is mandatory in the v7 module but absent from an
//!   older peer's message (H.225.0 v2/v3 `multipleCalls`, Cisco H.245
//!   `CloseLogicalChannel.reason`) was a decode error ("required, but not
//!   present"). Such fields now carry a default (`false`, `unknown`, the all-zero
//!   call identifier; see the post-processor's table), so they decode as what a
//!   receiver assumes; encoding always sends them (we are a v4+ sender). Three
//!   constrained H.245 additions (`ServicePriorityValue.value`,
//!   `T38FaxProfile.version`, `mcuNumber`) cannot get a default (rasn-derive
//!   does not generate one together with a constraint) and are `Option`s instead:
//!   `None` is what an older peer's message decodes to, and a sender sets `Some`.
//! - A field of type `Option<N>`, where `N` is a constrained newtype, lost `N`'s
//!   constraints when it is an extension addition or has constraints of its own
//!   (`Option<T>` does not forward `AsnType::CONSTRAINTS`): RRQ/RCF `timeToLive`,
//!   `gatekeeperIdentifier`, `bandWidth`, `endpointIdentifier`, ANSI-41
//!   TBCD-STRINGs, six H.245 `LogicalChannelNumber`s. The newtype's constraints
//!   are now copied onto those fields.
//!
//! `tests/per_captured_older_peers.rs` and the `asn1_oracle_*` tests pin both
//! against asn1tools with the captured messages.
//!
//! # Error positions
//!
//! A [`PerError::Decode`] names the type, through rasn's message the field path
//! (`AlertingUUIE.multiple_calls: ...`), and the octet at which the error shows.
//! rasn 0.30's `DecodeError` carries no position (only an error kind and the
//! codec), and extension additions are decoded by a separate reader over their
//! open type, so the offset is found from the outside, on the error path only:
//! PER is read strictly left to right, so decoding a prefix of the input that
//! holds every bit the decoder read before it failed fails the same way, and a
//! shorter prefix fails differently (it runs out of input first). A binary
//! search over prefix lengths (at most 17 extra decodes for a 64 KiB PDU) finds
//! the shortest prefix that reproduces the error; its last octet is where the
//! decoder found the fault. When the decoder ran out of input (the PDU ends too
//! early, or a length claims more octets than follow) the offset is the last
//! octet: a shorter prefix runs out in the same words, so the search cannot
//! point further back, and the length at fault is not known.

use rasn::AsnType;

/// The largest PDU accepted by [`decode`]: the H.225.0 user-user information
/// element, a RAS datagram and a TPKT-framed H.245 message all fit in 64 KiB.
pub const MAX_PDU_LEN: usize = 65_535;

/// Why a value could not be encoded to, or decoded from, aligned PER.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PerError {
    /// The input is longer than [`MAX_PDU_LEN`]; nothing was decoded.
    #[error("{type_name}: {len} octets exceed the {max}-octet PDU limit")]
    TooLong {
        /// ASN.1 name of the type that was to be decoded.
        type_name: &'static str,
        /// Length of the input.
        len: usize,
        /// The limit, [`MAX_PDU_LEN`].
        max: usize,
    },
    /// The octets are not a valid aligned-PER encoding of the type. rasn's
    /// message names the field path and what was wrong.
    #[error("cannot decode {type_name} (aligned PER) at octet {offset}: {source}")]
    Decode {
        /// ASN.1 name of the type that was decoded.
        type_name: &'static str,
        /// 0-based index of the octet in which the decoder found the fault (see
        /// the module doc for how it is found).
        offset: usize,
        /// rasn's error.
        #[source]
        source: rasn::error::DecodeError,
    },
    /// The value breaks a constraint of its ASN.1 type (size, range, alphabet).
    #[error("cannot encode {type_name} (aligned PER): {source}")]
    Encode {
        /// ASN.1 name of the type that was encoded.
        type_name: &'static str,
        /// rasn's error.
        #[source]
        source: rasn::error::EncodeError,
    },
    /// A `CHOICE` extension alternative unknown to this implementation, at the
    /// message level (see [`crate::h225::UserInfo`]); only returned where the
    /// caller asked for a known alternative.
    #[error("{type_name}: unknown extension alternative {index}")]
    UnknownAlternative {
        /// ASN.1 name of the CHOICE type.
        type_name: &'static str,
        /// Index of the alternative among the extension additions (0-based).
        index: usize,
    },
}

impl PerError {
    /// ASN.1 name of the type involved.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::TooLong { type_name, .. }
            | Self::Decode { type_name, .. }
            | Self::Encode { type_name, .. }
            | Self::UnknownAlternative { type_name, .. } => type_name,
        }
    }
}

/// The ASN.1 name of `T` (e.g. `"H323-UserInformation"`), or its Rust name for
/// types rasn-compiler gave no identifier (inner, anonymous types).
pub fn type_name<T: AsnType>() -> &'static str {
    T::IDENTIFIER.0.unwrap_or_else(|| {
        let full = core::any::type_name::<T>();
        full.rsplit("::").next().unwrap_or(full)
    })
}

/// Encodes `v` in ALIGNED PER (canonical: the same value always gives the same octets).
pub fn encode<T: rasn::Encode>(v: &T) -> Result<Vec<u8>, PerError> {
    rasn::aper::encode(v).map_err(|source| PerError::Encode {
        type_name: type_name::<T>(),
        source,
    })
}

/// Decodes one `T` from `bytes` in ALIGNED PER. Octets after the value are ignored,
/// as X.691 allows for padding and as peers pad the user-user IE.
pub fn decode<T: rasn::Decode>(bytes: &[u8]) -> Result<T, PerError> {
    if bytes.len() > MAX_PDU_LEN {
        return Err(PerError::TooLong {
            type_name: type_name::<T>(),
            len: bytes.len(),
            max: MAX_PDU_LEN,
        });
    }
    rasn::aper::decode(bytes).map_err(|source| PerError::Decode {
        type_name: type_name::<T>(),
        offset: fault_offset::<T>(bytes, &source),
        source,
    })
}

/// The octet at which decoding `bytes` as `T` fails with `error`: the last octet of
/// the shortest prefix of `bytes` that fails with the same error (module doc).
fn fault_offset<T: rasn::Decode>(bytes: &[u8], error: &rasn::error::DecodeError) -> usize {
    let wanted = error.to_string();
    let last = bytes.len().saturating_sub(1);
    // The input ran out (it ends early, or a length claims more than follows): the
    // fault shows at the end, and shorter prefixes can fail with the same words, so
    // searching would name an earlier octet that is not at fault.
    if ran_out(&wanted) {
        return last;
    }
    let same = |len: usize| match rasn::aper::decode::<T>(&bytes[..len]) {
        Ok(_) => false,
        Err(e) => e.to_string() == wanted,
    };
    if same(0) {
        return 0;
    }
    // Invariant: the prefix of length `hi` fails as the whole input does (a shorter one
    // runs out of input first, which `ran_out` tells apart); that of length `lo` does not.
    let (mut lo, mut hi) = (0usize, bytes.len());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if same(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi.saturating_sub(1)
}

/// Whether rasn's message says the decoder needed more input than there was. Its
/// `Incomplete`/`Eof` kinds also appear wrapped inside codec-specific errors (a choice
/// index or length that could not be read whole), so the words are what is reliable.
fn ran_out(message: &str) -> bool {
    message.contains("Need more data") || message.contains("Unexpected EOF")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asn::h225::{H323UserInformation, RasMessage};
    use crate::asn::h245::MultimediaSystemControlMessage;

    #[test]
    fn errors_name_the_asn1_type() {
        let e = decode::<H323UserInformation>(&[0x20]).unwrap_err();
        assert_eq!(e.type_name(), "H323-UserInformation");
        assert!(
            e.to_string()
                .starts_with("cannot decode H323-UserInformation"),
            "{e}"
        );
        assert_eq!(
            decode::<RasMessage>(&[]).unwrap_err().type_name(),
            "RasMessage"
        );
        assert_eq!(
            decode::<MultimediaSystemControlMessage>(&[0xff])
                .unwrap_err()
                .type_name(),
            "MultimediaSystemControlMessage"
        );
    }

    #[test]
    fn oversized_input_is_refused_before_decoding() {
        let big = vec![0u8; MAX_PDU_LEN + 1];
        assert!(matches!(
            decode::<RasMessage>(&big),
            Err(PerError::TooLong { len, .. }) if len == MAX_PDU_LEN + 1
        ));
    }
}
