//! Catching `CHOICE` extension alternatives that this build does not know.
//!
//! rasn decodes a CHOICE extension alternative by mapping its index to a variant
//! of the Rust enum, and fails when there is none; the generated enums (which we
//! must not edit) have none for alternatives added by a later version of the
//! recommendation. For the message-level CHOICEs (`h323-message-body`,
//! `RasMessage`) we therefore decode through private mirror enums that append
//! [`SPARE_ALTERNATIVES`] placeholder alternatives of type [`Opaque`] after the
//! known ones. An alternative in an extension always travels inside an open type
//! (X.691 §23.8), and rasn hands its decoder exactly that open type, so
//! `Opaque` takes every remaining bit — the alternative's complete encoding —
//! and gives it back unchanged on encode.

use rasn::types::{AsnType, Constraints, Identifier, Tag};
use rasn::{Decode, Decoder, Encode, Encoder};

use crate::per::MAX_PDU_LEN;

/// How many unknown extension alternatives after the known ones can be caught.
pub(crate) const SPARE_ALTERNATIVES: usize = 16;

/// The complete encoding (the open type's contents) of an unknown extension alternative.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub(crate) struct Opaque(pub(crate) Vec<u8>);

impl AsnType for Opaque {
    const TAG: Tag = Tag::OCTET_STRING;
}

impl Decode for Opaque {
    fn decode_with_tag_and_constraints<D: Decoder>(
        decoder: &mut D,
        _: Tag,
        _: &Constraints,
    ) -> Result<Self, D::Error> {
        // rasn's decoder has no "rest of input" primitive; reading bits one by one
        // until it reports the end is the portable way to drain the open type. The
        // loop is bounded by the PDU size limit.
        let mut out = Vec::new();
        let mut octet = 0u8;
        let mut bits = 0usize;
        while bits < MAX_PDU_LEN * 8 {
            match decoder.decode_bool(Tag::BOOL) {
                Ok(bit) => {
                    octet = (octet << 1) | u8::from(bit);
                    bits += 1;
                    if bits & 7 == 0 {
                        out.push(octet);
                        octet = 0;
                    }
                }
                Err(_) => break,
            }
        }
        if bits & 7 != 0 {
            out.push(octet << (8 - (bits & 7)));
        }
        Ok(Self(out))
    }
}

impl Encode for Opaque {
    fn encode_with_tag_and_constraints<'b, E: Encoder<'b>>(
        &self,
        encoder: &mut E,
        _: Tag,
        _: &Constraints,
        _: Identifier,
    ) -> Result<(), E::Error> {
        for octet in &self.0 {
            for i in (0..8).rev() {
                encoder.encode_bool(Tag::BOOL, octet >> i & 1 == 1, Identifier::EMPTY)?;
            }
        }
        Ok(())
    }
}
