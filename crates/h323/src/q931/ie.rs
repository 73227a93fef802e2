//! Information elements (Q.931 4.5): the [`InformationElement`] enum, the small typed IEs, and the
//! mapping between an IE's contents and its typed form.
//!
//! Decoding an IE never fails: contents that do not parse as the typed form (too short, digits
//! that are not UTF-8, ...) are kept as [`InformationElement::Raw`], so a message with one odd IE
//! still decodes and re-encodes; the typed accessor then returns `None`.

use std::fmt;

use super::bearer::BearerCapability;
use super::cause::{Cause, Location};
use super::codes::code_enum;
use super::number::PartyNumber;

/// Codeset-0 identifiers of the IEs H.225.0 uses (Q.931 Table 4-3).
pub mod id {
    /// Bearer capability.
    pub const BEARER_CAPABILITY: u8 = 0x04;
    /// Cause.
    pub const CAUSE: u8 = 0x08;
    /// Call state.
    pub const CALL_STATE: u8 = 0x14;
    /// Channel identification.
    pub const CHANNEL_IDENTIFICATION: u8 = 0x18;
    /// Facility.
    pub const FACILITY: u8 = 0x1C;
    /// Progress indicator.
    pub const PROGRESS_INDICATOR: u8 = 0x1E;
    /// Notification indicator.
    pub const NOTIFICATION_INDICATOR: u8 = 0x27;
    /// Display.
    pub const DISPLAY: u8 = 0x28;
    /// Date/time.
    pub const DATE_TIME: u8 = 0x29;
    /// Keypad facility.
    pub const KEYPAD: u8 = 0x2C;
    /// Signal.
    pub const SIGNAL: u8 = 0x34;
    /// Calling party number.
    pub const CALLING_PARTY_NUMBER: u8 = 0x6C;
    /// Called party number.
    pub const CALLED_PARTY_NUMBER: u8 = 0x70;
    /// User-user; H.225.0 gives it a 2-octet length.
    pub const USER_USER: u8 = 0x7E;
}

/// The Q.931 name of a codeset-0 IE identifier, for error messages.
pub fn ie_name(identifier: u8) -> &'static str {
    match identifier {
        0x00 => "segmented message",
        id::BEARER_CAPABILITY => "bearer capability",
        id::CAUSE => "cause",
        0x10 => "call identity",
        id::CALL_STATE => "call state",
        id::CHANNEL_IDENTIFICATION => "channel identification",
        id::FACILITY => "facility",
        id::PROGRESS_INDICATOR => "progress indicator",
        0x20 => "network-specific facilities",
        id::NOTIFICATION_INDICATOR => "notification indicator",
        id::DISPLAY => "display",
        id::DATE_TIME => "date/time",
        id::KEYPAD => "keypad facility",
        id::SIGNAL => "signal",
        0x40 => "information rate",
        0x42 => "end-to-end transit delay",
        0x6C => "calling party number",
        0x6D => "calling party subaddress",
        0x70 => "called party number",
        0x71 => "called party subaddress",
        0x74 => "redirecting number",
        0x78 => "transit network selection",
        0x79 => "restart indicator",
        0x7C => "low layer compatibility",
        0x7D => "high layer compatibility",
        id::USER_USER => "user-user",
        0x7F => "escape for extension",
        0x90..=0x9F => "shift",
        0xA0 => "more data",
        0xA1 => "sending complete",
        0xB0..=0xBF => "congestion level",
        0xD0..=0xDF => "repeat indicator",
        _ => "unknown information element",
    }
}

/// One information element of a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InformationElement {
    /// Bearer capability (0x04).
    BearerCapability(BearerCapability),
    /// Cause (0x08).
    Cause(Cause),
    /// Call state (0x14).
    CallState(CallState),
    /// Channel identification (0x18), contents as received.
    ChannelIdentification(Vec<u8>),
    /// Facility (0x1C), contents as received (H.450 APDUs go in H.225.0 instead).
    Facility(Vec<u8>),
    /// Progress indicator (0x1E).
    ProgressIndicator(ProgressIndicator),
    /// Notification indicator (0x27): the 7-bit notification description.
    NotificationIndicator(u8),
    /// Display (0x28).
    Display(Ia5String),
    /// Date/time (0x29), contents as received.
    DateTime(Vec<u8>),
    /// Keypad facility (0x2C).
    Keypad(Ia5String),
    /// Signal (0x34): the signal value.
    Signal(u8),
    /// Calling party number (0x6C).
    CallingPartyNumber(PartyNumber),
    /// Called party number (0x70).
    CalledPartyNumber(PartyNumber),
    /// User-user (0x7E), carrying the H.225.0 `H323-UserInformation`.
    UserUser(UserUser),
    /// A single-octet IE (bit 8 set): shift (0x9X), more data, sending complete, congestion
    /// level, repeat indicator. The octet as received.
    SingleOctet(u8),
    /// Any other variable-length IE, a typed one whose contents did not parse, or any IE in a
    /// codeset other than 0.
    Raw(RawIe),
}

impl InformationElement {
    /// The identifier octet (for [`SingleOctet`](Self::SingleOctet), the whole octet).
    pub fn identifier(&self) -> u8 {
        match self {
            Self::BearerCapability(_) => id::BEARER_CAPABILITY,
            Self::Cause(_) => id::CAUSE,
            Self::CallState(_) => id::CALL_STATE,
            Self::ChannelIdentification(_) => id::CHANNEL_IDENTIFICATION,
            Self::Facility(_) => id::FACILITY,
            Self::ProgressIndicator(_) => id::PROGRESS_INDICATOR,
            Self::NotificationIndicator(_) => id::NOTIFICATION_INDICATOR,
            Self::Display(_) => id::DISPLAY,
            Self::DateTime(_) => id::DATE_TIME,
            Self::Keypad(_) => id::KEYPAD,
            Self::Signal(_) => id::SIGNAL,
            Self::CallingPartyNumber(_) => id::CALLING_PARTY_NUMBER,
            Self::CalledPartyNumber(_) => id::CALLED_PARTY_NUMBER,
            Self::UserUser(_) => id::USER_USER,
            Self::SingleOctet(octet) => *octet,
            Self::Raw(raw) => raw.identifier,
        }
    }

    /// The codeset the IE belongs to: 0 except for a [`Raw`](Self::Raw) IE received after a shift.
    pub fn codeset(&self) -> u8 {
        match self {
            Self::Raw(raw) => raw.codeset,
            _ => 0,
        }
    }

    /// Decodes the contents of a variable-length IE; never fails (see the module doc).
    pub(crate) fn decode(codeset: u8, identifier: u8, contents: &[u8]) -> Self {
        let typed = if codeset == 0 {
            Self::decode_typed(identifier, contents)
        } else {
            None
        };
        typed.unwrap_or_else(|| {
            Self::Raw(RawIe {
                codeset,
                identifier,
                contents: contents.to_vec(),
            })
        })
    }

    fn decode_typed(identifier: u8, contents: &[u8]) -> Option<Self> {
        Some(match identifier {
            id::BEARER_CAPABILITY => Self::BearerCapability(BearerCapability::decode(contents)?),
            id::CAUSE => Self::Cause(Cause::decode(contents)?),
            id::CALL_STATE => Self::CallState(CallState::decode(contents)?),
            id::CHANNEL_IDENTIFICATION => Self::ChannelIdentification(contents.to_vec()),
            id::FACILITY => Self::Facility(contents.to_vec()),
            id::PROGRESS_INDICATOR => Self::ProgressIndicator(ProgressIndicator::decode(contents)?),
            id::NOTIFICATION_INDICATOR => match contents {
                [octet] => Self::NotificationIndicator(octet & 0x7f),
                _ => return None,
            },
            id::DISPLAY => Self::Display(Ia5String::from_bytes(contents.to_vec())),
            id::DATE_TIME => Self::DateTime(contents.to_vec()),
            id::KEYPAD => Self::Keypad(Ia5String::from_bytes(contents.to_vec())),
            id::SIGNAL => match contents {
                [octet] => Self::Signal(*octet),
                _ => return None,
            },
            id::CALLING_PARTY_NUMBER => Self::CallingPartyNumber(PartyNumber::decode(contents)?),
            id::CALLED_PARTY_NUMBER => Self::CalledPartyNumber(PartyNumber::decode(contents)?),
            id::USER_USER => Self::UserUser(UserUser::decode(contents)?),
            _ => return None,
        })
    }

    /// Appends the contents (without identifier and length) of a variable-length IE.
    pub(crate) fn encode_contents(&self, out: &mut Vec<u8>) {
        match self {
            Self::BearerCapability(bc) => bc.encode(out),
            Self::Cause(cause) => cause.encode(out),
            Self::CallState(state) => out.push(state.encode()),
            Self::ChannelIdentification(bytes) | Self::Facility(bytes) | Self::DateTime(bytes) => {
                out.extend_from_slice(bytes);
            }
            Self::ProgressIndicator(pi) => pi.encode(out),
            Self::NotificationIndicator(description) => out.push(0x80 | (description & 0x7f)),
            Self::Display(text) | Self::Keypad(text) => out.extend_from_slice(text.as_bytes()),
            Self::Signal(value) => out.push(*value),
            Self::CallingPartyNumber(number) | Self::CalledPartyNumber(number) => {
                number.encode(out);
            }
            Self::UserUser(uu) => {
                out.push(uu.protocol_discriminator);
                out.extend_from_slice(&uu.data);
            }
            Self::SingleOctet(_) => {}
            Self::Raw(raw) => out.extend_from_slice(&raw.contents),
        }
    }
}

/// A variable-length IE kept as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RawIe {
    /// The codeset in force where the IE was received (set by a preceding shift IE). Encoding
    /// writes only identifier, length and contents: the shift IE in front of it selects the
    /// codeset on the wire.
    pub codeset: u8,
    /// The identifier octet.
    pub identifier: u8,
    /// The contents, without identifier and length.
    pub contents: Vec<u8>,
}

/// IA5 text (Display, Keypad facility): the octets as received, with a lossy UTF-8 view.
///
/// Q.931 says IA5, equipment sends Latin-1 or UTF-8 anyway, and some stacks (NetMeeting, OpenH323)
/// add a C string terminator. The octets are kept so the IE re-encodes unchanged;
/// [`as_str`](Self::as_str) shows them up to the first NUL, with U+FFFD for bad UTF-8.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ia5String {
    bytes: Vec<u8>,
    text: String,
}

impl Ia5String {
    /// Text to send; it is encoded as its UTF-8 octets.
    pub fn new(text: &str) -> Self {
        Self {
            bytes: text.as_bytes().to_vec(),
            text: text.to_owned(),
        }
    }

    /// Octets as received.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        let text = String::from_utf8_lossy(&bytes[..end]).into_owned();
        Self { bytes, text }
    }

    /// The text before the first NUL, lossily decoded as UTF-8.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for Ia5String {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl fmt::Display for Ia5String {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// User-user IE (0x7E): protocol discriminator and user information.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserUser {
    /// Protocol discriminator; H.225.0 uses [`UserUser::X208`].
    pub protocol_discriminator: u8,
    /// The user information: for H.225.0 the PER-encoded `H323-UserInformation`.
    pub data: Vec<u8>,
}

impl UserUser {
    /// Protocol discriminator "X.208 and X.209 coded user information".
    pub const X208: u8 = 0x05;

    /// H.225.0 user information (discriminator 0x05) holding `per` bytes.
    pub fn h225(per: Vec<u8>) -> Self {
        Self {
            protocol_discriminator: Self::X208,
            data: per,
        }
    }

    fn decode(contents: &[u8]) -> Option<Self> {
        let (&protocol_discriminator, data) = contents.split_first()?;
        Some(Self {
            protocol_discriminator,
            data: data.to_vec(),
        })
    }
}

/// Call state IE (0x14).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallState {
    /// Coding standard, 2 bits: 0 = ITU-T.
    pub coding_standard: u8,
    /// Call state value, 6 bits (Q.931 Table 4-9: 0 = Null, 10 = Active, ...).
    pub value: u8,
}

impl CallState {
    /// An ITU-T coded call state.
    pub fn new(value: u8) -> Self {
        Self {
            coding_standard: 0,
            value: value & 0x3f,
        }
    }

    fn decode(contents: &[u8]) -> Option<Self> {
        match contents {
            [octet] => Some(Self {
                coding_standard: octet >> 6,
                value: octet & 0x3f,
            }),
            _ => None,
        }
    }

    fn encode(self) -> u8 {
        (self.coding_standard & 0x03) << 6 | (self.value & 0x3f)
    }
}

code_enum! {
    /// Progress description (Q.931 4.5.23, octet 4, 7 bits).
    pub enum ProgressDescription: 0x7f {
        /// Call is not end-to-end ISDN; further progress information may be available in-band.
        NotEndToEndIsdn = 1 => "call is not end-to-end ISDN",
        /// Destination address is non-ISDN.
        DestinationNotIsdn = 2 => "destination address is non-ISDN",
        /// Origination address is non-ISDN.
        OriginationNotIsdn = 3 => "origination address is non-ISDN",
        /// Call has returned to the ISDN.
        ReturnedToIsdn = 4 => "call has returned to the ISDN",
        /// Interworking has occurred and has resulted in a telecommunication service change.
        InterworkingChange = 5 => "interworking has occurred, service change",
        /// In-band information or an appropriate pattern is now available.
        InbandAvailable = 8 => "in-band information or an appropriate pattern is now available",
    }
}

/// Progress indicator IE (0x1E).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProgressIndicator {
    /// Coding standard, 2 bits: 0 = ITU-T.
    pub coding_standard: u8,
    /// Where the progress was generated.
    pub location: Location,
    /// What happened.
    pub description: ProgressDescription,
}

impl ProgressIndicator {
    /// An ITU-T coded progress indicator from the user.
    pub fn new(description: ProgressDescription) -> Self {
        Self {
            coding_standard: 0,
            location: Location::User,
            description,
        }
    }

    fn decode(contents: &[u8]) -> Option<Self> {
        match contents {
            [octet3, octet4] => Some(Self {
                coding_standard: (octet3 >> 5) & 0x03,
                location: Location::from_code(*octet3),
                description: ProgressDescription::from_code(*octet4),
            }),
            _ => None,
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        out.push(0x80 | (self.coding_standard & 0x03) << 5 | self.location.code());
        out.push(0x80 | self.description.code());
    }
}
