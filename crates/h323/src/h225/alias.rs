//! Aliases (`AliasAddress`) and the text types of H.225.0: validated conversions
//! between Rust strings and the constrained ASN.1 strings (dialledDigits, h323-ID,
//! url-ID, email-ID, displayName, endpoint and gatekeeper identifiers).

use std::net::SocketAddr;

use rasn::types::{BmpString, Ia5String};

use super::common::{socket_addr, transport_address};
use crate::asn::h225::{AliasAddress, EndpointIdentifier, GatekeeperIdentifier};

/// Why a string cannot be carried in a constrained H.225.0 string field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// The field needs at least one character.
    #[error("{field} is empty")]
    Empty {
        /// ASN.1 name of the field.
        field: &'static str,
    },
    /// More characters than the field's SIZE constraint allows.
    #[error("{field} has {len} characters, at most {max} are allowed")]
    TooLong {
        /// ASN.1 name of the field.
        field: &'static str,
        /// Characters given.
        len: usize,
        /// The SIZE upper bound.
        max: usize,
    },
    /// A character outside the field's permitted alphabet.
    #[error("{field}: character {ch:?} at index {index} is not allowed")]
    BadChar {
        /// ASN.1 name of the field.
        field: &'static str,
        /// The offending character.
        ch: char,
        /// Its index (in characters).
        index: usize,
    },
}

/// The characters of `dialledDigits` (H.225.0 `AliasAddress`).
pub const DIALED_DIGITS_ALPHABET: &str = "0123456789#*,";

/// A party's alias, the ergonomic form of `AliasAddress`.
///
/// Conversion to the ASN.1 type validates alphabet and size; conversion from it
/// keeps alternatives this enum does not model in [`Alias::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Alias {
    /// `dialledDigits`: "0123456789#*,", 1..=128 characters (an E.164-style number,
    /// or a conference number).
    DialedDigits(String),
    /// `h323-ID`: any BMP text, 1..=256 characters.
    H323Id(String),
    /// `url-ID`: IA5 (ASCII), 1..=512 characters, e.g. `h323:1234@example.org`.
    Url(String),
    /// `transportID`: an IP address and port.
    TransportId(SocketAddr),
    /// `email-ID`: IA5 (ASCII), 1..=512 characters.
    Email(String),
    /// Any other alternative (partyNumber, mobileUIM, isupNumber, or an IPX/NSAP
    /// transportID), kept as received.
    Other(Box<AliasAddress>),
}

impl Alias {
    /// The ASN.1 name of the alternative (`"dialledDigits"` — so spelled in the
    /// H.225.0 module and by tshark —, `"h323-ID"`, `"url-ID"`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DialedDigits(_) => "dialledDigits",
            Self::H323Id(_) => "h323-ID",
            Self::Url(_) => "url-ID",
            Self::TransportId(_) => "transportID",
            Self::Email(_) => "email-ID",
            Self::Other(a) => alias_address_name(a),
        }
    }

    /// Converts to the ASN.1 type, checking alphabet and size.
    pub fn to_asn(&self) -> Result<AliasAddress, TextError> {
        Ok(match self {
            Self::DialedDigits(s) => AliasAddress::dialledDigits(dialed_digits(s)?),
            Self::H323Id(s) => AliasAddress::h323_ID(bmp("h323-ID", s, 256)?),
            Self::Url(s) => AliasAddress::url_ID(ia5("url-ID", s, 512)?),
            Self::TransportId(a) => AliasAddress::transportID(transport_address(*a)),
            Self::Email(s) => AliasAddress::email_ID(ia5("email-ID", s, 512)?),
            Self::Other(a) => (**a).clone(),
        })
    }

    /// Converts from the ASN.1 type; never fails (unmodelled alternatives become
    /// [`Alias::Other`]).
    pub fn from_asn(a: &AliasAddress) -> Self {
        match a {
            AliasAddress::dialledDigits(s) => Self::DialedDigits(ia5_to_string(s)),
            AliasAddress::h323_ID(s) => Self::H323Id(bmp_to_string(s)),
            AliasAddress::url_ID(s) => Self::Url(ia5_to_string(s)),
            AliasAddress::email_ID(s) => Self::Email(ia5_to_string(s)),
            AliasAddress::transportID(t) => match socket_addr(t) {
                Some(sa) => Self::TransportId(sa),
                None => Self::Other(Box::new(a.clone())),
            },
            other => Self::Other(Box::new(other.clone())),
        }
    }
}

impl std::fmt::Display for Alias {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DialedDigits(s) | Self::H323Id(s) | Self::Url(s) | Self::Email(s) => {
                write!(f, "{}:{s}", self.kind())
            }
            Self::TransportId(a) => write!(f, "transportID:{a}"),
            Self::Other(a) => write!(f, "{}", alias_address_name(a)),
        }
    }
}

impl TryFrom<&Alias> for AliasAddress {
    type Error = TextError;
    fn try_from(a: &Alias) -> Result<Self, TextError> {
        a.to_asn()
    }
}

impl From<&AliasAddress> for Alias {
    fn from(a: &AliasAddress) -> Self {
        Alias::from_asn(a)
    }
}

/// ASN.1 name of an `AliasAddress` alternative.
pub fn alias_address_name(a: &AliasAddress) -> &'static str {
    match a {
        AliasAddress::dialledDigits(_) => "dialledDigits",
        AliasAddress::h323_ID(_) => "h323-ID",
        AliasAddress::url_ID(_) => "url-ID",
        AliasAddress::transportID(_) => "transportID",
        AliasAddress::email_ID(_) => "email-ID",
        AliasAddress::partyNumber(_) => "partyNumber",
        AliasAddress::mobileUIM(_) => "mobileUIM",
        AliasAddress::isupNumber(_) => "isupNumber",
        _ => "unknown",
    }
}

/// Converts a list of aliases, naming `field` in the error.
pub(crate) fn aliases_to_asn(aliases: &[Alias]) -> Result<Vec<AliasAddress>, TextError> {
    aliases.iter().map(Alias::to_asn).collect()
}

/// `None` for an empty list: the SEQUENCE OF AliasAddress fields are OPTIONAL,
/// and peers expect them absent rather than empty.
pub(crate) fn opt_aliases(aliases: &[Alias]) -> Result<Option<Vec<AliasAddress>>, TextError> {
    if aliases.is_empty() {
        Ok(None)
    } else {
        aliases_to_asn(aliases).map(Some)
    }
}

pub(crate) fn aliases_from_asn(list: Option<&Vec<AliasAddress>>) -> Vec<Alias> {
    list.map(|l| l.iter().map(Alias::from_asn).collect())
        .unwrap_or_default()
}

fn check_len(field: &'static str, len: usize, max: usize) -> Result<(), TextError> {
    if len == 0 {
        return Err(TextError::Empty { field });
    }
    if len > max {
        return Err(TextError::TooLong { field, len, max });
    }
    Ok(())
}

fn dialed_digits(s: &str) -> Result<Ia5String, TextError> {
    const FIELD: &str = "dialledDigits";
    if let Some((index, ch)) = s
        .chars()
        .enumerate()
        .find(|(_, c)| !DIALED_DIGITS_ALPHABET.contains(*c))
    {
        return Err(TextError::BadChar {
            field: FIELD,
            ch,
            index,
        });
    }
    ia5(FIELD, s, 128)
}

/// An IA5String (7-bit ASCII) of 1..=`max` characters.
pub(crate) fn ia5(field: &'static str, s: &str, max: usize) -> Result<Ia5String, TextError> {
    if let Some((index, ch)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        return Err(TextError::BadChar { field, ch, index });
    }
    check_len(field, s.len(), max)?;
    Ia5String::try_from(s).map_err(|_| TextError::BadChar {
        field,
        ch: '?',
        index: 0,
    })
}

/// A BMPString of 1..=`max` characters. Characters outside the Basic
/// Multilingual Plane cannot be carried, and U+FFFE/U+FFFF are not characters.
pub(crate) fn bmp(field: &'static str, s: &str, max: usize) -> Result<BmpString, TextError> {
    let mut out = BmpString::default();
    for (index, ch) in s.chars().enumerate() {
        let code = u32::from(ch);
        if code >= 0xFFFE {
            return Err(TextError::BadChar { field, ch, index });
        }
        // The check above keeps `code` below 0x10000.
        out.push(code as u16);
    }
    check_len(field, out.len(), max)?;
    Ok(out)
}

/// Text of a received IA5String (always ASCII once decoded).
pub fn ia5_to_string(s: &Ia5String) -> String {
    String::from_utf8_lossy(s.as_iso646_bytes()).into_owned()
}

/// Text of a received BMPString; an unpaired surrogate becomes U+FFFD.
pub fn bmp_to_string(s: &BmpString) -> String {
    String::from_utf16_lossy(s)
}

/// `EndpointIdentifier` (BMPString 1..=128), as assigned by a gatekeeper.
pub fn endpoint_identifier(s: &str) -> Result<EndpointIdentifier, TextError> {
    bmp("endpointIdentifier", s, 128).map(EndpointIdentifier)
}

/// `GatekeeperIdentifier` (BMPString 1..=128).
pub fn gatekeeper_identifier(s: &str) -> Result<GatekeeperIdentifier, TextError> {
    bmp("gatekeeperIdentifier", s, 128).map(GatekeeperIdentifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialed_digits_alphabet_and_size() {
        assert!(Alias::DialedDigits("0123456789#*,".into()).to_asn().is_ok());
        assert_eq!(
            Alias::DialedDigits("12a".into()).to_asn(),
            Err(TextError::BadChar {
                field: "dialledDigits",
                ch: 'a',
                index: 2
            })
        );
        assert_eq!(
            Alias::DialedDigits(String::new()).to_asn(),
            Err(TextError::Empty {
                field: "dialledDigits"
            })
        );
        assert!(Alias::DialedDigits("1".repeat(128)).to_asn().is_ok());
        assert!(matches!(
            Alias::DialedDigits("1".repeat(129)).to_asn(),
            Err(TextError::TooLong {
                len: 129,
                max: 128,
                ..
            })
        ));
    }

    #[test]
    fn h323_id_is_bmp_limited_to_256() {
        let a = Alias::H323Id("Zürich 会议".into());
        assert_eq!(Alias::from_asn(&a.to_asn().unwrap()), a);
        assert!(Alias::H323Id("x".repeat(256)).to_asn().is_ok());
        assert!(Alias::H323Id("x".repeat(257)).to_asn().is_err());
        assert!(matches!(
            Alias::H323Id("🎉".into()).to_asn(),
            Err(TextError::BadChar { ch: '🎉', .. })
        ));
    }

    #[test]
    fn url_and_email_are_ascii() {
        assert!(Alias::Url("h323:1234@192.0.2.1".into()).to_asn().is_ok());
        assert!(Alias::Email("ü@example.org".into()).to_asn().is_err());
    }

    #[test]
    fn transport_id_round_trips_v4_and_v6() {
        for s in ["192.0.2.10:1720", "[2001:db8::1]:1720"] {
            let a = Alias::TransportId(s.parse().unwrap());
            assert_eq!(Alias::from_asn(&a.to_asn().unwrap()), a);
        }
    }
}
