//! The dial-string grammar: `<number>@<mcu>` where the number is digits, `*` and `#` (the
//! H.225.0 dialedDigits character set less `,`), and the MCU is an IPv4 address, a bracketed IPv6
//! address or a host name, each with an optional `:port` (H.323 call signalling defaults to 1720).
//!
//! ```text
//! 801234@192.0.2.10        801234@192.0.2.10:1721
//! 80*12#@[2001:db8::1]:1721  805678@mcu.example.net
//! ```
//!
//! The gateway parses what it is asked to dial and the VN server checks what an operator typed
//! before anything is sent, so the grammar lives here. Hand-written because it is small and its
//! errors must say, for a person, what is wrong and where (byte offset).
//!
//! The dial plan (which prefix means what) is the gateway's business, not this module's.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// H.323 call signalling port used when the dial string names none.
pub const DEFAULT_H323_PORT: u16 = 1720;
/// Longest number: H.225.0 `dialedDigits` is `IA5String (SIZE (1..128))`.
pub const MAX_NUMBER_LEN: usize = 128;
/// Longest host name (RFC 1035).
pub const MAX_HOST_LEN: usize = 253;
const MAX_LABEL_LEN: usize = 63;
// number + '@' + "[" host "]" + ":65535"
const MAX_DIAL_LEN: usize = MAX_NUMBER_LEN + 1 + MAX_HOST_LEN + 2 + 6;

/// What is wrong with a dial string; offsets are byte offsets into the whole string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DialError {
    /// Nothing to dial.
    #[error("the dial string is empty")]
    Empty,
    /// Longer than any valid dial string.
    #[error("the dial string is {len} bytes long; at most {max} are allowed")]
    TooLong {
        /// Length found.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// No `@` separating number and MCU.
    #[error("no '@' between the number and the MCU address (expected e.g. 801234@192.0.2.10)")]
    MissingAt,
    /// More than one `@`.
    #[error("a second '@' at offset {offset}; a dial string has exactly one")]
    ExtraAt {
        /// Where.
        offset: usize,
    },
    /// Nothing before `@`.
    #[error("the number before '@' is empty")]
    EmptyNumber,
    /// Number longer than dialedDigits allows.
    #[error("the number is {len} characters long; at most {MAX_NUMBER_LEN} are allowed")]
    NumberTooLong {
        /// Length found.
        len: usize,
    },
    /// A character outside digits, `*`, `#` in the number.
    #[error("{ch:?} at offset {offset} is not allowed in a number (only digits, '*' and '#')")]
    NumberChar {
        /// The character.
        ch: char,
        /// Where.
        offset: usize,
    },
    /// Nothing after `@`.
    #[error("the MCU address after '@' is empty")]
    EmptyHost,
    /// `[` without `]`.
    #[error("'[' at offset {offset} has no matching ']'")]
    UnclosedBracket {
        /// Where the `[` is.
        offset: usize,
    },
    /// Text in brackets that is not an IPv6 address.
    #[error("{text:?} at offset {offset} is not an IPv6 address")]
    BadIpv6 {
        /// The bracketed text.
        text: String,
        /// Where it starts.
        offset: usize,
    },
    /// Numeric host that is not a valid IPv4 address.
    #[error("{text:?} at offset {offset} is not a valid IPv4 address")]
    BadIpv4 {
        /// The host text.
        text: String,
        /// Where it starts.
        offset: usize,
    },
    /// An IPv6 address without brackets (its colons would be mistaken for a port).
    #[error(
        "the IPv6 address at offset {offset} must be written in brackets, e.g. [2001:db8::1]:1720"
    )]
    BareIpv6 {
        /// Where the host starts.
        offset: usize,
    },
    /// A character not allowed in a host name.
    #[error(
        "{ch:?} at offset {offset} is not allowed in a host name (letters, digits, '-' and '.')"
    )]
    HostChar {
        /// The character.
        ch: char,
        /// Where.
        offset: usize,
    },
    /// A host name label that is empty, too long or starts/ends with `-`.
    #[error("host name label {label:?} at offset {offset} {problem}")]
    BadLabel {
        /// The label.
        label: String,
        /// Where it starts.
        offset: usize,
        /// What is wrong with it.
        problem: LabelProblem,
    },
    /// Host name longer than DNS allows.
    #[error("the host name is {len} characters long; at most {MAX_HOST_LEN} are allowed")]
    HostTooLong {
        /// Length found.
        len: usize,
    },
    /// A port that is not 1..=65535.
    #[error("port {text:?} at offset {offset} is not a number from 1 to 65535")]
    BadPort {
        /// The port text.
        text: String,
        /// Where it starts.
        offset: usize,
    },
    /// Something other than `:port` after `]`.
    #[error("{ch:?} at offset {offset} after ']'; expected ':port' or the end")]
    AfterBracket {
        /// The character.
        ch: char,
        /// Where.
        offset: usize,
    },
}

/// Why a host name label is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelProblem {
    /// `..`, a leading or a trailing dot.
    Empty,
    /// More than 63 characters.
    TooLong,
    /// Starts or ends with `-`.
    Hyphen,
}

impl fmt::Display for LabelProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "is empty (two dots in a row, or a leading or trailing dot)",
            Self::TooLong => "is longer than 63 characters",
            Self::Hyphen => "starts or ends with '-'",
        })
    }
}

/// The host part of an MCU address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// Dotted IPv4.
    V4(Ipv4Addr),
    /// IPv6, written in brackets.
    V6(Ipv6Addr),
    /// A DNS name, kept as written.
    Name(String),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V4(a) => write!(f, "{a}"),
            Self::V6(a) => write!(f, "[{a}]"),
            Self::Name(n) => f.write_str(n),
        }
    }
}

/// An MCU address: host and optional port. `Display` writes it as given (no default port);
/// [`Endpoint::with_port`] always names the port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// Host.
    pub host: Host,
    /// Port if written.
    pub port: Option<u16>,
}

impl Endpoint {
    /// The port to connect to.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(DEFAULT_H323_PORT)
    }

    /// `host:port` with the default port filled in, e.g. `192.0.2.10:1720`.
    pub fn with_port(&self) -> String {
        format!("{}:{}", self.host, self.port_or_default())
    }

    fn parse_at(s: &str, base: usize) -> Result<Self, DialError> {
        if s.is_empty() {
            return Err(DialError::EmptyHost);
        }
        if let Some(inner_and_rest) = s.strip_prefix('[') {
            let close = inner_and_rest
                .find(']')
                .ok_or(DialError::UnclosedBracket { offset: base })?;
            let inner = &inner_and_rest[..close];
            let addr = Ipv6Addr::from_str(inner).map_err(|_| DialError::BadIpv6 {
                text: inner.to_owned(),
                offset: base + 1,
            })?;
            let rest = &inner_and_rest[close + 1..];
            let rest_offset = base + 1 + close + 1;
            let port = match rest.strip_prefix(':') {
                _ if rest.is_empty() => None,
                Some(p) => Some(parse_port(p, rest_offset + 1)?),
                None => {
                    let ch = rest.chars().next().unwrap_or(']');
                    return Err(DialError::AfterBracket {
                        ch,
                        offset: rest_offset,
                    });
                }
            };
            return Ok(Self {
                host: Host::V6(addr),
                port,
            });
        }
        let (host, port) = match s.matches(':').count() {
            0 => (s, None),
            1 => {
                let colon = s.find(':').unwrap_or(s.len());
                (
                    &s[..colon],
                    Some(parse_port(&s[colon + 1..], base + colon + 1)?),
                )
            }
            _ => return Err(DialError::BareIpv6 { offset: base }),
        };
        if host.is_empty() {
            return Err(DialError::EmptyHost);
        }
        Ok(Self {
            host: parse_host(host, base)?,
            port,
        })
    }
}

impl FromStr for Endpoint {
    type Err = DialError;

    /// Parses an MCU address alone (`192.0.2.10`, `[2001:db8::1]:1721`, `mcu.example:1720`);
    /// offsets in errors are relative to `s`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > MAX_DIAL_LEN {
            return Err(DialError::TooLong {
                len: s.len(),
                max: MAX_DIAL_LEN,
            });
        }
        Self::parse_at(s, 0)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}:{p}", self.host),
            None => write!(f, "{}", self.host),
        }
    }
}

/// A parsed dial string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialString {
    /// Everything before `@`: dial-plan prefix and conference number together.
    pub number: String,
    /// The MCU.
    pub mcu: Endpoint,
}

impl DialString {
    /// Builds a dial string from parts, checking the number.
    pub fn new(number: &str, mcu: Endpoint) -> Result<Self, DialError> {
        check_number(number, 0)?;
        Ok(Self {
            number: number.to_owned(),
            mcu,
        })
    }
}

impl FromStr for DialString {
    type Err = DialError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err(DialError::Empty);
        }
        if s.len() > MAX_DIAL_LEN {
            return Err(DialError::TooLong {
                len: s.len(),
                max: MAX_DIAL_LEN,
            });
        }
        let at = s.find('@').ok_or(DialError::MissingAt)?;
        if let Some(second) = s[at + 1..].find('@') {
            return Err(DialError::ExtraAt {
                offset: at + 1 + second,
            });
        }
        let number = &s[..at];
        check_number(number, 0)?;
        let mcu = Endpoint::parse_at(&s[at + 1..], at + 1)?;
        Ok(Self {
            number: number.to_owned(),
            mcu,
        })
    }
}

impl fmt::Display for DialString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.number, self.mcu)
    }
}

/// Checks a number (or conference number) alone: 1..=128 of digits, `*`, `#`.
pub fn check_number(number: &str, base: usize) -> Result<(), DialError> {
    if number.is_empty() {
        return Err(DialError::EmptyNumber);
    }
    if let Some((offset, ch)) = number
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '*' || c == '#'))
    {
        return Err(DialError::NumberChar {
            ch,
            offset: base + offset,
        });
    }
    if number.len() > MAX_NUMBER_LEN {
        return Err(DialError::NumberTooLong { len: number.len() });
    }
    Ok(())
}

fn parse_port(text: &str, offset: usize) -> Result<u16, DialError> {
    let bad = || DialError::BadPort {
        text: text.to_owned(),
        offset,
    };
    if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match text.parse::<u16>() {
        Ok(0) | Err(_) => Err(bad()),
        Ok(p) => Ok(p),
    }
}

fn parse_host(host: &str, base: usize) -> Result<Host, DialError> {
    if let Some((offset, ch)) = host
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return Err(DialError::HostChar {
            ch,
            offset: base + offset,
        });
    }
    let last_is_numeric = host
        .rsplit('.')
        .next()
        .is_some_and(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()));
    if last_is_numeric {
        // A name whose top label is numeric would be read as an address by resolvers
        // (RFC 1123 2.1), so it must be a valid dotted quad.
        return Ipv4Addr::from_str(host)
            .map(Host::V4)
            .map_err(|_| DialError::BadIpv4 {
                text: host.to_owned(),
                offset: base,
            });
    }
    if host.len() > MAX_HOST_LEN {
        return Err(DialError::HostTooLong { len: host.len() });
    }
    let mut offset = base;
    for label in host.split('.') {
        let problem = if label.is_empty() {
            Some(LabelProblem::Empty)
        } else if label.len() > MAX_LABEL_LEN {
            Some(LabelProblem::TooLong)
        } else if label.starts_with('-') || label.ends_with('-') {
            Some(LabelProblem::Hyphen)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(DialError::BadLabel {
                label: label.to_owned(),
                offset,
                problem,
            });
        }
        offset += label.len() + 1;
    }
    Ok(Host::Name(host.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> DialString {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> DialError {
        s.parse::<DialString>().unwrap_err()
    }

    #[test]
    fn accepts_the_documented_forms() {
        let d = ok("801234@192.0.2.10");
        assert_eq!(d.number, "801234");
        assert_eq!(d.mcu.host, Host::V4(Ipv4Addr::new(192, 0, 2, 10)));
        assert_eq!(d.mcu.port, None);
        assert_eq!(d.mcu.with_port(), "192.0.2.10:1720");

        let d = ok("80*12#@[2001:db8::1]:1721");
        assert_eq!(d.number, "80*12#");
        assert_eq!(d.mcu.host, Host::V6("2001:db8::1".parse().unwrap()));
        assert_eq!(d.mcu.with_port(), "[2001:db8::1]:1721");

        let d = ok("805678@mcu-1.example.net:1720");
        assert_eq!(d.mcu.host, Host::Name("mcu-1.example.net".into()));
        assert_eq!(d.mcu.port, Some(1720));
        assert_eq!(ok("1@[::1]").mcu.to_string(), "[::1]");
        assert_eq!(ok("1@localhost").mcu.with_port(), "localhost:1720");
    }

    #[test]
    fn says_what_is_wrong_and_where() {
        assert_eq!(err(""), DialError::Empty);
        assert_eq!(err("801234"), DialError::MissingAt);
        assert_eq!(err("80@1@h"), DialError::ExtraAt { offset: 4 });
        assert_eq!(err("@192.0.2.10"), DialError::EmptyNumber);
        assert_eq!(err("80a1@h"), DialError::NumberChar { ch: 'a', offset: 2 });
        assert_eq!(err("80 1@h"), DialError::NumberChar { ch: ' ', offset: 2 });
        assert_eq!(err("801@"), DialError::EmptyHost);
        assert_eq!(err("801@:1720"), DialError::EmptyHost);
        assert_eq!(err("801@[::1"), DialError::UnclosedBracket { offset: 4 });
        assert!(matches!(
            err("801@[1.2.3.4]"),
            DialError::BadIpv6 { offset: 5, .. }
        ));
        assert_eq!(err("801@2001:db8::1"), DialError::BareIpv6 { offset: 4 });
        assert!(matches!(
            err("801@256.0.0.1"),
            DialError::BadIpv4 { offset: 4, .. }
        ));
        assert!(matches!(err("801@1.2.3"), DialError::BadIpv4 { .. }));
        assert!(matches!(
            err("801@h:0"),
            DialError::BadPort { offset: 6, .. }
        ));
        assert!(matches!(err("801@h:65536"), DialError::BadPort { .. }));
        assert!(matches!(err("801@h:"), DialError::BadPort { .. }));
        assert!(matches!(err("801@h:+1"), DialError::BadPort { .. }));
        assert_eq!(
            err("801@[::1]x"),
            DialError::AfterBracket { ch: 'x', offset: 9 }
        );
        assert_eq!(err("801@mcu_1"), DialError::HostChar { ch: '_', offset: 7 });
        assert!(matches!(
            err("801@a..b"),
            DialError::BadLabel {
                problem: LabelProblem::Empty,
                offset: 6,
                ..
            }
        ));
        assert!(matches!(
            err("801@-a.b"),
            DialError::BadLabel {
                problem: LabelProblem::Hyphen,
                offset: 4,
                ..
            }
        ));
        assert!(matches!(
            err(&format!("1@{}", "a".repeat(64))),
            DialError::BadLabel { .. }
        ));
        assert!(matches!(
            err(&format!("{}@h", "1".repeat(129))),
            DialError::NumberTooLong { len: 129 }
        ));
        assert!(matches!(err(&"9".repeat(1000)), DialError::TooLong { .. }));
        // Messages are for people: they name the problem.
        assert!(err("80a1@h").to_string().contains("only digits"));
    }

    #[test]
    fn endpoint_parses_alone() {
        let e: Endpoint = "192.0.2.10".parse().unwrap();
        assert_eq!(e.to_string(), "192.0.2.10");
        let e: Endpoint = "[2001:db8::1]:1721".parse().unwrap();
        assert_eq!(e.port_or_default(), 1721);
        assert!("".parse::<Endpoint>().is_err());
    }
}
