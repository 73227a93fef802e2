//! Q.931 messages as H.225.0 clause 7 uses them for call signalling (Q.931 clause 4 formats).
//!
//! This module owns the message header (protocol discriminator 0x08, a 2-octet call reference,
//! the message type) and the information elements after it. It does not own the call state
//! machine, nor the H.225.0 PER content of the User-user IE, which it carries as bytes.
//!
//! Decoding is as lenient as real equipment needs — IEs may come in any order, unknown IEs and
//! IEs after a shift are kept raw and re-encode unchanged — and strict where the framing itself
//! breaks: a bad protocol discriminator, a call reference that is not 2 octets, or an IE whose
//! length runs past the end of the message is a [`Q931Error`] naming the field and byte offset.
//!
//! Written by hand: no maintained crate parses Q.931; the Rust code that does is embedded in
//! applications with their own I/O and error types.
//!
//! Encoding writes [`Message::ies`] in order. [`Message::with`] keeps that order canonical
//! (Q.931 4.5.1): single-octet IEs first, then codeset-0 IEs by ascending identifier, User-user
//! last, and IEs of other codesets after their shift.
//!
//! ```
//! use h323::q931::{BearerCapability, CallReference, InformationElement, Message, MessageType,
//!                  PartyNumber};
//! let setup = Message::new(MessageType::Setup, CallReference::new(0x1234, false))
//!     .with(InformationElement::CalledPartyNumber(PartyNumber::new("1234")))
//!     .with(InformationElement::BearerCapability(BearerCapability::h323_speech()));
//! let bytes = setup.encode();
//! assert_eq!(&bytes[..11], &[0x08, 0x02, 0x12, 0x34, 0x05, 0x04, 0x03, 0x80, 0x90, 0xa5, 0x70]);
//! assert_eq!(Message::decode(&bytes).unwrap(), setup);
//! ```

mod bearer;
mod cause;
mod codes;
mod ie;
mod number;

use thiserror::Error;

pub use bearer::{
    BearerCapability, Layer1Protocol, TransferCapability, TransferMode, TransferRate,
};
pub use cause::{Cause, CauseValue, Location};
pub use ie::{
    id, ie_name, CallState, Ia5String, InformationElement, ProgressDescription, ProgressIndicator,
    RawIe, UserUser,
};
pub use number::{NumberingPlan, PartyNumber, Presentation, Screening, TypeOfNumber};

/// Protocol discriminator of Q.931 user-network call control messages.
pub const PROTOCOL_DISCRIMINATOR: u8 = 0x08;
/// Call reference length H.225.0 uses (7.2.2.2).
pub const CALL_REFERENCE_LEN: u8 = 2;
/// Largest contents of an IE with a 1-octet length.
pub const MAX_IE_LEN: usize = u8::MAX as usize;
/// Largest contents of the User-user IE, whose length H.225.0 makes 2 octets.
pub const MAX_USER_USER_LEN: usize = u16::MAX as usize;

/// A Q.931 decode or encode error. Offsets count octets from the start of the message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Q931Error {
    /// The message ended inside its header.
    #[error("Q.931 message truncated: {field} missing at offset {offset}")]
    Truncated {
        /// The header field that is missing.
        field: &'static str,
        /// Offset where it should start.
        offset: usize,
    },
    /// The first octet was not 0x08.
    #[error("Q.931 protocol discriminator {value:#04x} at offset {offset}, expected 0x08")]
    ProtocolDiscriminator {
        /// The octet received.
        value: u8,
        /// Always 0.
        offset: usize,
    },
    /// The call reference length octet was not 2 (or its spare bits were set).
    #[error("Q.931 call reference length octet {length:#04x} at offset {offset}, expected 0x02")]
    CallReferenceLength {
        /// The whole length octet received.
        length: u8,
        /// Always 1.
        offset: usize,
    },
    /// An IE identifier was the last octet, or a User-user IE had only one length octet.
    #[error("Q.931 {name} IE ({ie:#04x}) at offset {offset}: length octet missing")]
    IeTruncated {
        /// The IE identifier.
        ie: u8,
        /// Its Q.931 name.
        name: &'static str,
        /// Offset of the identifier octet.
        offset: usize,
    },
    /// An IE's length runs past the end of the message.
    #[error(
        "Q.931 {name} IE ({ie:#04x}) at offset {offset}: length {length} but only {available} \
         octets follow"
    )]
    IeLength {
        /// The IE identifier.
        ie: u8,
        /// Its Q.931 name.
        name: &'static str,
        /// Offset of the identifier octet.
        offset: usize,
        /// The length field.
        length: usize,
        /// Octets left in the message after the length field.
        available: usize,
    },
    /// Encoding only: an IE's contents do not fit its length field.
    #[error("Q.931 {name} IE ({ie:#04x}): {length} octets of contents exceed the maximum {max}")]
    IeTooLong {
        /// The IE identifier.
        ie: u8,
        /// Its Q.931 name.
        name: &'static str,
        /// Length of the contents.
        length: usize,
        /// What the length field can express.
        max: usize,
    },
}

impl Q931Error {
    /// The Q.850 cause to report if the error is answered rather than ignored (Q.931 5.8).
    pub fn cause(&self) -> CauseValue {
        match self {
            Self::Truncated { .. } | Self::ProtocolDiscriminator { .. } => {
                CauseValue::InvalidMessage
            }
            Self::CallReferenceLength { .. } => CauseValue::InvalidCallReference,
            Self::IeTruncated { .. } | Self::IeLength { .. } | Self::IeTooLong { .. } => {
                CauseValue::InvalidIeContents
            }
        }
    }
}

/// The call reference (Q.931 4.3), 2 octets in H.225.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallReference {
    /// The 15-bit call reference value; bit 16 is not part of it and is dropped on encode.
    pub value: u16,
    /// The flag bit: `false` in messages sent by the side that allocated the call reference (the
    /// caller), `true` in messages sent by the other side.
    pub from_destination: bool,
}

impl CallReference {
    /// A call reference; `value` is masked to 15 bits.
    pub fn new(value: u16, from_destination: bool) -> Self {
        Self {
            value: value & 0x7fff,
            from_destination,
        }
    }

    /// The same call reference as the other side writes it (flag inverted).
    pub fn reply(self) -> Self {
        Self {
            value: self.value,
            from_destination: !self.from_destination,
        }
    }
}

/// Message type (Q.931 4.4, Table 4-2), the ones H.225.0 uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageType {
    /// ALERTING (0x01).
    Alerting,
    /// CALL PROCEEDING (0x02).
    CallProceeding,
    /// PROGRESS (0x03).
    Progress,
    /// SETUP (0x05).
    Setup,
    /// CONNECT (0x07).
    Connect,
    /// SETUP ACKNOWLEDGE (0x0D).
    SetupAcknowledge,
    /// RELEASE COMPLETE (0x5A).
    ReleaseComplete,
    /// FACILITY (0x62).
    Facility,
    /// NOTIFY (0x6E).
    Notify,
    /// STATUS ENQUIRY (0x75).
    StatusEnquiry,
    /// INFORMATION (0x7B).
    Information,
    /// STATUS (0x7D).
    Status,
    /// Any other message type octet. `Unknown` holding a named code encodes identically but
    /// decodes back to the named variant.
    Unknown(u8),
}

impl MessageType {
    /// The type for a message type octet.
    pub fn from_code(code: u8) -> Self {
        match code {
            0x01 => Self::Alerting,
            0x02 => Self::CallProceeding,
            0x03 => Self::Progress,
            0x05 => Self::Setup,
            0x07 => Self::Connect,
            0x0D => Self::SetupAcknowledge,
            0x5A => Self::ReleaseComplete,
            0x62 => Self::Facility,
            0x6E => Self::Notify,
            0x75 => Self::StatusEnquiry,
            0x7B => Self::Information,
            0x7D => Self::Status,
            other => Self::Unknown(other),
        }
    }

    /// The message type octet.
    pub fn code(self) -> u8 {
        match self {
            Self::Alerting => 0x01,
            Self::CallProceeding => 0x02,
            Self::Progress => 0x03,
            Self::Setup => 0x05,
            Self::Connect => 0x07,
            Self::SetupAcknowledge => 0x0D,
            Self::ReleaseComplete => 0x5A,
            Self::Facility => 0x62,
            Self::Notify => 0x6E,
            Self::StatusEnquiry => 0x75,
            Self::Information => 0x7B,
            Self::Status => 0x7D,
            Self::Unknown(code) => code,
        }
    }
}

/// A Q.931 message: header and information elements.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// The call reference.
    pub call_reference: CallReference,
    /// The message type.
    pub message_type: MessageType,
    /// The IEs in wire order.
    pub ies: Vec<InformationElement>,
}

impl Message {
    /// A message without IEs.
    pub fn new(message_type: MessageType, call_reference: CallReference) -> Self {
        Self {
            call_reference,
            message_type,
            ies: Vec::new(),
        }
    }

    /// Builder: adds `ie` at its canonical position (see the module doc).
    pub fn with(mut self, ie: InformationElement) -> Self {
        let key = order_key(&ie);
        let at = self
            .ies
            .iter()
            .position(|other| order_key(other) > key)
            .unwrap_or(self.ies.len());
        self.ies.insert(at, ie);
        self
    }

    /// Decodes one message (the payload of one TPKT frame).
    pub fn decode(bytes: &[u8]) -> Result<Message, Q931Error> {
        let octet = |offset: usize, field: &'static str| {
            bytes
                .get(offset)
                .copied()
                .ok_or(Q931Error::Truncated { field, offset })
        };
        let discriminator = octet(0, "protocol discriminator")?;
        if discriminator != PROTOCOL_DISCRIMINATOR {
            return Err(Q931Error::ProtocolDiscriminator {
                value: discriminator,
                offset: 0,
            });
        }
        let cr_len = octet(1, "call reference length")?;
        if cr_len != CALL_REFERENCE_LEN {
            return Err(Q931Error::CallReferenceLength {
                length: cr_len,
                offset: 1,
            });
        }
        let cr_high = octet(2, "call reference value")?;
        let cr_low = octet(3, "call reference value")?;
        let message_type = MessageType::from_code(octet(4, "message type")?);
        let call_reference = CallReference {
            value: u16::from_be_bytes([cr_high & 0x7f, cr_low]),
            from_destination: cr_high & 0x80 != 0,
        };
        let ies = decode_ies(bytes, 5)?;
        Ok(Message {
            call_reference,
            message_type,
            ies,
        })
    }

    /// Encodes the message. IE contents too long for their length field are cut to the maximum;
    /// use [`try_encode`](Self::try_encode) to get an error instead.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out, true);
        out
    }

    /// Encodes the message, failing if an IE's contents do not fit its length field.
    pub fn try_encode(&self) -> Result<Vec<u8>, Q931Error> {
        let mut out = Vec::new();
        match self.encode_into(&mut out, false) {
            Some(err) => Err(err),
            None => Ok(out),
        }
    }

    /// Writes the message; returns the first over-long IE, which is cut when `truncate` is set.
    fn encode_into(&self, out: &mut Vec<u8>, truncate: bool) -> Option<Q931Error> {
        let cr = self.call_reference;
        let flag = if cr.from_destination { 0x80 } else { 0x00 };
        let [high, low] = (cr.value & 0x7fff).to_be_bytes();
        out.extend_from_slice(&[
            PROTOCOL_DISCRIMINATOR,
            CALL_REFERENCE_LEN,
            flag | high,
            low,
            self.message_type.code(),
        ]);
        let mut shifts = Codesets::default();
        let mut contents = Vec::new();
        for ie in &self.ies {
            let identifier = ie.identifier();
            let codeset = shifts.next(identifier);
            if let InformationElement::SingleOctet(octet) = ie {
                out.push(*octet);
                continue;
            }
            contents.clear();
            ie.encode_contents(&mut contents);
            let max = if two_octet_length(codeset, identifier) {
                MAX_USER_USER_LEN
            } else {
                MAX_IE_LEN
            };
            if contents.len() > max {
                let err = Q931Error::IeTooLong {
                    ie: identifier,
                    name: ie_name(identifier),
                    length: contents.len(),
                    max,
                };
                if !truncate {
                    return Some(err);
                }
                contents.truncate(max);
            }
            out.push(identifier);
            if max == MAX_USER_USER_LEN {
                // Cannot truncate: bounded by MAX_USER_USER_LEN above.
                out.extend_from_slice(&(contents.len() as u16).to_be_bytes());
            } else {
                out.push(contents.len() as u8);
            }
            out.extend_from_slice(&contents);
        }
        None
    }

    /// The first IE for which `pick` returns something.
    fn find<'a, T: ?Sized>(
        &'a self,
        pick: impl Fn(&'a InformationElement) -> Option<&'a T>,
    ) -> Option<&'a T> {
        self.ies.iter().find_map(pick)
    }

    /// The Bearer capability, if present and well-formed.
    pub fn bearer_capability(&self) -> Option<&BearerCapability> {
        self.find(|ie| match ie {
            InformationElement::BearerCapability(bc) => Some(bc),
            _ => None,
        })
    }

    /// The first Cause, if present and well-formed.
    pub fn cause(&self) -> Option<&Cause> {
        self.find(|ie| match ie {
            InformationElement::Cause(cause) => Some(cause),
            _ => None,
        })
    }

    /// The Display text (lossy UTF-8), if present.
    pub fn display(&self) -> Option<&str> {
        self.find(|ie| match ie {
            InformationElement::Display(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The Called party number, if present and well-formed.
    pub fn called_party_number(&self) -> Option<&PartyNumber> {
        self.find(|ie| match ie {
            InformationElement::CalledPartyNumber(number) => Some(number),
            _ => None,
        })
    }

    /// The Calling party number, if present and well-formed.
    pub fn calling_party_number(&self) -> Option<&PartyNumber> {
        self.find(|ie| match ie {
            InformationElement::CallingPartyNumber(number) => Some(number),
            _ => None,
        })
    }

    /// The first Progress indicator, if present and well-formed.
    pub fn progress_indicator(&self) -> Option<&ProgressIndicator> {
        self.find(|ie| match ie {
            InformationElement::ProgressIndicator(pi) => Some(pi),
            _ => None,
        })
    }

    /// The call state value (6 bits), if a Call state IE is present and well-formed.
    pub fn call_state(&self) -> Option<u8> {
        self.ies.iter().find_map(|ie| match ie {
            InformationElement::CallState(state) => Some(state.value),
            _ => None,
        })
    }

    /// The Keypad facility text (lossy UTF-8), if present.
    pub fn keypad(&self) -> Option<&str> {
        self.find(|ie| match ie {
            InformationElement::Keypad(text) => Some(text.as_str()),
            _ => None,
        })
    }

    /// The user information of the User-user IE — for H.225.0 the PER-encoded
    /// `H323-UserInformation` — whatever its protocol discriminator (see [`UserUser`]).
    pub fn user_user(&self) -> Option<&[u8]> {
        self.find(|ie| match ie {
            InformationElement::UserUser(uu) => Some(uu.data.as_slice()),
            _ => None,
        })
    }

    /// The first IE with codeset-0 `identifier`, whatever its form — with the typed accessors
    /// returning `None` this tells "absent" (cause 96) from "malformed" (cause 100).
    pub fn ie(&self, identifier: u8) -> Option<&InformationElement> {
        self.ies
            .iter()
            .find(|ie| ie.codeset() == 0 && ie.identifier() == identifier)
    }
}

/// H.225.0 7.2.2.x: the User-user IE of codeset 0 has a 2-octet length.
fn two_octet_length(codeset: u8, identifier: u8) -> bool {
    codeset == 0 && identifier == id::USER_USER
}

/// Sort key for [`Message::with`]: single-octet IEs, codeset-0 IEs by identifier, User-user,
/// then shifts and anything in another codeset.
fn order_key(ie: &InformationElement) -> (u8, u8) {
    let identifier = ie.identifier();
    if ie.codeset() != 0 || (0x90..=0x9f).contains(&identifier) {
        (3, 0)
    } else if identifier & 0x80 != 0 {
        (0, 0)
    } else if identifier == id::USER_USER {
        (2, 0)
    } else {
        (1, identifier)
    }
}

/// Tracks the codeset that applies to each IE as shift IEs go by (Q.931 4.5.2–4.5.4).
#[derive(Default)]
struct Codesets {
    locked: u8,
    once: Option<u8>,
}

impl Codesets {
    /// The codeset for the IE with `identifier`, updating the shift state.
    fn next(&mut self, identifier: u8) -> u8 {
        let codeset = self.once.take().unwrap_or(self.locked);
        if identifier & 0xf0 == 0x90 {
            if identifier & 0x08 == 0 {
                self.locked = identifier & 0x07;
            } else {
                self.once = Some(identifier & 0x07);
            }
        }
        codeset
    }
}

fn decode_ies(bytes: &[u8], mut offset: usize) -> Result<Vec<InformationElement>, Q931Error> {
    let mut ies = Vec::new();
    let mut shifts = Codesets::default();
    while let Some(&identifier) = bytes.get(offset) {
        let codeset = shifts.next(identifier);
        if identifier & 0x80 != 0 {
            ies.push(InformationElement::SingleOctet(identifier));
            offset += 1;
            continue;
        }
        let name = if codeset == 0 {
            ie_name(identifier)
        } else {
            "non-codeset-0"
        };
        let truncated = Q931Error::IeTruncated {
            ie: identifier,
            name,
            offset,
        };
        let (length, header) = if two_octet_length(codeset, identifier) {
            let high = *bytes.get(offset + 1).ok_or(truncated.clone())?;
            let low = *bytes.get(offset + 2).ok_or(truncated)?;
            (usize::from(u16::from_be_bytes([high, low])), 3)
        } else {
            (usize::from(*bytes.get(offset + 1).ok_or(truncated)?), 2)
        };
        let start = offset + header;
        let contents = bytes
            .get(start..start + length)
            .ok_or(Q931Error::IeLength {
                ie: identifier,
                name,
                offset,
                length,
                available: bytes.len() - start,
            })?;
        ies.push(InformationElement::decode(codeset, identifier, contents));
        offset = start + length;
    }
    Ok(ies)
}
