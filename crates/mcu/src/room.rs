//! What a room is (number, name, capacity, lock, PIN) and which values are acceptable.
//!
//! Room numbers are what callers dial, so they are usually digits; names in the OpenMCU-ru style
//! (`room101`) are accepted too, since callers may reach a room through its h323-ID or a
//! `room@mcu` URL.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Longest room number.
pub const MAX_NUMBER_LEN: usize = 64;
/// Longest room name.
pub const MAX_NAME_LEN: usize = 128;
/// Largest capacity accepted.
pub const MAX_PARTICIPANTS: u32 = 10_000;

/// A room as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// What callers dial.
    pub number: String,
    /// For people.
    pub name: String,
    /// Capacity.
    pub max_participants: u32,
    /// New callers refused while set.
    pub locked: bool,
    /// PIN, never served by the API.
    #[serde(skip_serializing)]
    pub pin: Option<String>,
    /// Continuous-presence layout (`auto`: by participant count).
    #[serde(default)]
    pub layout: LayoutChoice,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// The continuous-presence layout an operator sets for a room: `auto` picks 1, 1+1, 2×2 or 3×3
/// by participant count; the others force that layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LayoutChoice {
    /// By participant count.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// One picture.
    #[serde(rename = "1")]
    Single,
    /// Two side by side.
    #[serde(rename = "1+1")]
    OnePlusOne,
    /// Four tiles.
    #[serde(rename = "2x2")]
    Grid2x2,
    /// Nine tiles.
    #[serde(rename = "3x3")]
    Grid3x3,
}

impl LayoutChoice {
    /// The name in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Single => "1",
            Self::OnePlusOne => "1+1",
            Self::Grid2x2 => "2x2",
            Self::Grid3x3 => "3x3",
        }
    }

    /// Reads [`LayoutChoice::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Auto,
            Self::Single,
            Self::OnePlusOne,
            Self::Grid2x2,
            Self::Grid3x3,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }

    /// The forced compositor layout, `None` for `auto`.
    pub fn forced(self) -> Option<media::video::Layout> {
        use media::video::Layout;
        match self {
            Self::Auto => None,
            Self::Single => Some(Layout::Single),
            Self::OnePlusOne => Some(Layout::OnePlusOne),
            Self::Grid2x2 => Some(Layout::Grid2x2),
            Self::Grid3x3 => Some(Layout::Grid3x3),
        }
    }
}

/// A value the room API refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidRoom {
    /// Empty, too long, or with characters outside `[A-Za-z0-9*#._-]`.
    #[error(
        "room number {0:?} is invalid: use 1 to 64 of letters, digits, '*', '#', '.', '_', '-'"
    )]
    Number(String),
    /// Empty or too long.
    #[error("room name must be 1 to 128 characters")]
    Name,
    /// Zero or above the limit.
    #[error("max_participants must be from 1 to {MAX_PARTICIPANTS}")]
    Capacity,
    /// Empty or with characters other than digits.
    #[error("pin must be 1 to 16 digits")]
    Pin,
}

/// Checks a room number.
pub fn check_number(number: &str) -> Result<(), InvalidRoom> {
    let ok = !number.is_empty()
        && number.len() <= MAX_NUMBER_LEN
        && number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '*' | '#' | '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(InvalidRoom::Number(number.to_owned()))
    }
}

/// Checks a room name.
pub fn check_name(name: &str) -> Result<(), InvalidRoom> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME_LEN {
        Err(InvalidRoom::Name)
    } else {
        Ok(())
    }
}

/// Checks a capacity.
pub fn check_capacity(max: u32) -> Result<(), InvalidRoom> {
    if (1..=MAX_PARTICIPANTS).contains(&max) {
        Ok(())
    } else {
        Err(InvalidRoom::Capacity)
    }
}

/// Checks a PIN.
pub fn check_pin(pin: &str) -> Result<(), InvalidRoom> {
    if (1..=16).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(InvalidRoom::Pin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert!(check_number("1234").is_ok());
        assert!(check_number("room101").is_ok());
        assert!(check_number("*12#").is_ok());
        assert!(check_number("").is_err());
        assert!(check_number("a b").is_err());
        assert!(check_number("1@h").is_err());
        assert!(check_number(&"1".repeat(65)).is_err());
        assert!(check_capacity(0).is_err());
        assert!(check_capacity(1).is_ok());
        assert!(check_pin("12a").is_err());
        assert!(check_pin("0042").is_ok());
        assert!(check_name(" ").is_err());
    }
}
