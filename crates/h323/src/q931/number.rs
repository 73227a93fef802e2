//! Calling and Called party number information elements (Q.931 4.5.10 and 4.5.8).

use super::codes::code_enum;

code_enum! {
    /// Type of number (octet 3, 3 bits).
    pub enum TypeOfNumber: 0x07 {
        /// Unknown.
        Unknown = 0 => "unknown",
        /// International number.
        International = 1 => "international number",
        /// National number.
        National = 2 => "national number",
        /// Network specific number.
        NetworkSpecific = 3 => "network specific number",
        /// Subscriber number.
        Subscriber = 4 => "subscriber number",
        /// Abbreviated number.
        Abbreviated = 6 => "abbreviated number",
    }
}

code_enum! {
    /// Numbering plan identification (octet 3, 4 bits).
    pub enum NumberingPlan: 0x0f {
        /// Unknown.
        Unknown = 0 => "unknown",
        /// ISDN/telephony numbering plan (E.164).
        E164 = 1 => "E.164 ISDN/telephony numbering",
        /// Data numbering plan (X.121).
        X121 = 3 => "X.121 data numbering",
        /// Telex numbering plan (F.69).
        F69 = 4 => "F.69 telex numbering",
        /// National standard numbering plan.
        National = 8 => "national standard numbering",
        /// Private numbering plan.
        Private = 9 => "private numbering",
    }
}

code_enum! {
    /// Presentation indicator (octet 3a, 2 bits).
    pub enum Presentation: 0x03 {
        /// Presentation allowed.
        Allowed = 0 => "presentation allowed",
        /// Presentation restricted.
        Restricted = 1 => "presentation restricted",
        /// Number not available due to interworking.
        NotAvailable = 2 => "number not available",
    }
}

code_enum! {
    /// Screening indicator (octet 3a, 2 bits).
    pub enum Screening: 0x03 {
        /// User-provided, not screened.
        UserNotScreened = 0 => "user-provided, not screened",
        /// User-provided, verified and passed.
        UserVerifiedPassed = 1 => "user-provided, verified and passed",
        /// User-provided, verified and failed.
        UserVerifiedFailed = 2 => "user-provided, verified and failed",
        /// Network provided.
        NetworkProvided = 3 => "network provided",
    }
}

/// A party number: Calling party number (0x6C) or Called party number (0x70).
///
/// The called party number has no octet 3a; `presentation` is only meaningful for the calling
/// party number, and is decoded for either if present.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartyNumber {
    /// Type of number.
    pub type_of_number: TypeOfNumber,
    /// Numbering plan identification.
    pub numbering_plan: NumberingPlan,
    /// Octet 3a: presentation and screening indicators, when present.
    pub presentation: Option<(Presentation, Screening)>,
    /// The number digits (IA5 characters).
    pub digits: String,
}

impl PartyNumber {
    /// `digits` with type "unknown" and the E.164 numbering plan (octet 3 = 0x81), the usual H.323
    /// choice, and no octet 3a.
    pub fn new(digits: &str) -> Self {
        Self {
            type_of_number: TypeOfNumber::Unknown,
            numbering_plan: NumberingPlan::E164,
            presentation: None,
            digits: digits.to_owned(),
        }
    }

    /// Builder: the same number with octet 3a.
    pub fn with_presentation(mut self, presentation: Presentation, screening: Screening) -> Self {
        self.presentation = Some((presentation, screening));
        self
    }

    /// `None` when octet 3 (or 3a, announced by its extension bit) is missing, or the digits are
    /// not valid UTF-8 (the IE is then kept raw, so nothing is lost).
    pub(crate) fn decode(contents: &[u8]) -> Option<Self> {
        let (&octet3, mut rest) = contents.split_first()?;
        let mut presentation = None;
        if octet3 & 0x80 == 0 {
            let (&octet3a, after) = rest.split_first()?;
            presentation = Some((
                Presentation::from_code(octet3a >> 5),
                Screening::from_code(octet3a),
            ));
            rest = after;
        }
        Some(Self {
            type_of_number: TypeOfNumber::from_code(octet3 >> 4),
            numbering_plan: NumberingPlan::from_code(octet3),
            presentation,
            digits: String::from_utf8(rest.to_vec()).ok()?,
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let octet3 = self.type_of_number.code() << 4 | self.numbering_plan.code();
        match self.presentation {
            Some((presentation, screening)) => {
                out.push(octet3);
                out.push(0x80 | presentation.code() << 5 | screening.code());
            }
            None => out.push(0x80 | octet3),
        }
        out.extend_from_slice(self.digits.as_bytes());
    }
}
