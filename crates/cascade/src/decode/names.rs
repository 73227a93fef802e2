//! Names of the CHOICE alternatives shown in the ladder's detail fields (codecs, reasons,
//! decisions, ...). Message names come from the shared views (`h323::h225`, `h323::h245::names`);
//! this covers the many smaller CHOICEs they do not name, by one generic lookup instead of a
//! hand-written table per type.

use std::fmt;

/// The ASN.1 identifier of the alternative a CHOICE value holds, exactly as the module spells it.
///
/// rasn keeps identifiers in declaration order in `Choice::IDENTIFIERS`; the alternative in hand is
/// read from the derived `Debug` output's first token (the Rust variant name, which rasn-compiler
/// derives from the identifier), stopping the formatter at the first parenthesis.
pub fn choice_name<T: rasn::types::Choice + fmt::Debug>(value: &T) -> &'static str {
    struct Head(String);
    impl fmt::Write for Head {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                if !(c.is_ascii_alphanumeric() || c == '_') || self.0.len() > 80 {
                    return Err(fmt::Error);
                }
                self.0.push(c);
            }
            Ok(())
        }
    }
    let mut head = Head(String::new());
    let _ = fmt::write(&mut head, format_args!("{value:?}"));
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '-' && *c != '_')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let wanted = norm(&head.0);
    T::IDENTIFIERS
        .iter()
        .find(|id| norm(id) == wanted)
        .copied()
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_names_are_the_asn1_identifiers() {
        use h323::asn::h225::AliasAddress;
        // BMPString from UTF-16BE octets.
        let a = AliasAddress::h323_ID(rasn::types::BmpString::try_from(&[0u8, b'x'][..]).unwrap());
        assert_eq!(choice_name(&a), "h323-ID");
        let d = AliasAddress::dialledDigits(rasn::types::Ia5String::try_from("1").unwrap());
        assert_eq!(choice_name(&d), "dialledDigits");
    }
}
