//! INTERIM: a private TPKT deframer, Q.931 walk and ASN.1 choice-name lookup, standing in until
//! the shared ones land in `h323` (`h323::tpkt::Deframer`, `h323::q931::Message`,
//! `h323::h225::message_name`, ...). Delete this module when they do; nothing outside
//! `decode` may depend on it.
//!
//! Kept minimal on purpose: only what the ladder shows (message type, cause, numbers, display,
//! user-user contents).

use std::fmt;

/// Why a TPKT stream could not be cut into frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TpktError {
    /// The header does not start with version 3, reserved 0.
    #[error("not a TPKT header (bytes {0:02x} {1:02x})")]
    NotTpkt(u8, u8),
    /// The length field is smaller than the header itself.
    #[error("TPKT length {0} is shorter than its header")]
    BadLength(u16),
}

/// RFC 1006 TPKT deframer over a reassembled byte stream.
#[derive(Debug, Default)]
pub struct Deframer {
    buf: Vec<u8>,
}

impl Deframer {
    /// Appends stream bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes held that do not yet make a whole frame.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Forgets everything buffered (after a stream gap or restart).
    pub fn reset(&mut self) {
        self.buf.clear();
    }

    /// Length of the frame whose header starts the buffer, once the header is complete.
    pub fn frame_len(&self) -> Option<usize> {
        (self.buf.len() >= 4).then(|| usize::from(u16::from_be_bytes([self.buf[2], self.buf[3]])))
    }

    /// Takes the next complete frame's payload. On an error the offending bytes stay buffered:
    /// call [`Deframer::reset`] to resynchronise.
    pub fn pop(&mut self) -> Option<Result<Vec<u8>, TpktError>> {
        if self.buf.len() >= 2 && (self.buf[0] != 3 || self.buf[1] != 0) {
            return Some(Err(TpktError::NotTpkt(self.buf[0], self.buf[1])));
        }
        if self.buf.len() == 1 && self.buf[0] != 3 {
            return Some(Err(TpktError::NotTpkt(self.buf[0], 0)));
        }
        let len = self.frame_len()?;
        if len < 4 {
            return Some(Err(TpktError::BadLength(len as u16)));
        }
        if self.buf.len() < len {
            return None;
        }
        let payload = self.buf[4..len].to_vec();
        self.buf.drain(..len);
        Some(Ok(payload))
    }
}

/// Why a Q.931 message could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Q931Error {
    /// The message ends before its fixed header does.
    #[error("Q.931 header truncated at byte {0}")]
    Header(usize),
    /// An information element runs past the end of the message.
    #[error("Q.931 information element 0x{id:02x} at byte {offset} runs past the end")]
    Ie {
        /// The element identifier.
        id: u8,
        /// Where the element starts.
        offset: usize,
    },
}

/// One information element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ie<'a> {
    /// Element identifier.
    pub id: u8,
    /// Contents after the length octet(s).
    pub contents: &'a [u8],
}

/// A walked Q.931 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Q931<'a> {
    /// Protocol discriminator (0x08 for Q.931).
    pub discriminator: u8,
    /// Call reference value (flag bit removed).
    pub call_ref: u32,
    /// True when sent by the side that did not originate the call reference.
    pub call_ref_flag: bool,
    /// Message type octet.
    pub message_type: u8,
    /// Information elements in order.
    pub ies: Vec<Ie<'a>>,
}

/// The user-user element identifier; H.225.0 gives it a 2-octet length.
const IE_USER_USER: u8 = 0x7e;

impl<'a> Q931<'a> {
    /// Walks the header and the elements.
    pub fn parse(b: &'a [u8]) -> Result<Self, Q931Error> {
        if b.len() < 2 {
            return Err(Q931Error::Header(b.len()));
        }
        let discriminator = b[0];
        let cr_len = usize::from(b[1] & 0x0f);
        if b.len() < 3 + cr_len {
            return Err(Q931Error::Header(b.len()));
        }
        let cr = &b[2..2 + cr_len];
        let call_ref_flag = cr.first().is_some_and(|x| x & 0x80 != 0);
        let call_ref = cr.iter().enumerate().fold(0u32, |acc, (i, x)| {
            let x = if i == 0 { x & 0x7f } else { *x };
            (acc << 8) | u32::from(x)
        });
        let message_type = b[2 + cr_len];
        let mut ies = Vec::new();
        let mut i = 3 + cr_len;
        while i < b.len() {
            let id = b[i];
            if id & 0x80 != 0 {
                ies.push(Ie { id, contents: &[] });
                i += 1;
                continue;
            }
            let (len, hdr) = if id == IE_USER_USER {
                if i + 3 > b.len() {
                    return Err(Q931Error::Ie { id, offset: i });
                }
                (usize::from(u16::from_be_bytes([b[i + 1], b[i + 2]])), 3)
            } else {
                if i + 2 > b.len() {
                    return Err(Q931Error::Ie { id, offset: i });
                }
                (usize::from(b[i + 1]), 2)
            };
            let start = i + hdr;
            if start + len > b.len() {
                return Err(Q931Error::Ie { id, offset: i });
            }
            ies.push(Ie {
                id,
                contents: &b[start..start + len],
            });
            i = start + len;
        }
        Ok(Self {
            discriminator,
            call_ref,
            call_ref_flag,
            message_type,
            ies,
        })
    }

    fn ie(&self, id: u8) -> Option<&'a [u8]> {
        self.ies.iter().find(|e| e.id == id).map(|e| e.contents)
    }

    /// The user-user element: protocol discriminator octet, then the contents.
    pub fn user_user(&self) -> Option<(u8, &'a [u8])> {
        let c = self.ie(IE_USER_USER)?;
        let (&pd, rest) = c.split_first()?;
        Some((pd, rest))
    }

    /// Q.850 cause value of the Cause element.
    pub fn cause(&self) -> Option<u8> {
        let c = self.ie(0x08)?;
        let first = *c.first()?;
        let at = if first & 0x80 == 0 { 2 } else { 1 };
        c.get(at).map(|x| x & 0x7f)
    }

    /// Digits of the Called party number element.
    pub fn called_party_number(&self) -> Option<String> {
        number(self.ie(0x70)?)
    }

    /// Digits of the Calling party number element.
    pub fn calling_party_number(&self) -> Option<String> {
        number(self.ie(0x6c)?)
    }

    /// The Display element's text.
    pub fn display(&self) -> Option<String> {
        Some(ia5(self.ie(0x28)?))
    }

    /// The message type's name as Q.931/Q.932 spell it, if known.
    pub fn message_type_name(&self) -> Option<&'static str> {
        q931_message_name(self.message_type)
    }
}

fn number(c: &[u8]) -> Option<String> {
    let first = *c.first()?;
    // Octet 3a (presentation/screening) follows when octet 3 has its extension bit clear.
    let digits_at = if first & 0x80 == 0 { 2 } else { 1 };
    c.get(digits_at..).map(ia5)
}

fn ia5(b: &[u8]) -> String {
    b.iter()
        .map(|&x| {
            let x = x & 0x7f;
            if x.is_ascii_graphic() || x == b' ' || x == 0 {
                char::from(x)
            } else {
                '.'
            }
        })
        .collect()
}

/// Q.931 (and Q.932 FACILITY) message type names.
pub fn q931_message_name(t: u8) -> Option<&'static str> {
    Some(match t {
        0x01 => "ALERTING",
        0x02 => "CALL PROCEEDING",
        0x03 => "PROGRESS",
        0x05 => "SETUP",
        0x07 => "CONNECT",
        0x0d => "SETUP ACKNOWLEDGE",
        0x0f => "CONNECT ACKNOWLEDGE",
        0x20 => "USER INFORMATION",
        0x21 => "SUSPEND REJECT",
        0x22 => "RESUME REJECT",
        0x25 => "SUSPEND",
        0x26 => "RESUME",
        0x2d => "SUSPEND ACKNOWLEDGE",
        0x2e => "RESUME ACKNOWLEDGE",
        0x45 => "DISCONNECT",
        0x46 => "RESTART",
        0x4d => "RELEASE",
        0x4e => "RESTART ACKNOWLEDGE",
        0x5a => "RELEASE COMPLETE",
        0x60 => "SEGMENT",
        0x62 => "FACILITY",
        0x6e => "NOTIFY",
        0x75 => "STATUS ENQUIRY",
        0x79 => "CONGESTION CONTROL",
        0x7b => "INFORMATION",
        0x7d => "STATUS",
        _ => return None,
    })
}

/// Q.850 cause names for the values calls end with in practice.
pub fn q850_cause_name(v: u8) -> Option<&'static str> {
    Some(match v {
        1 => "unallocated number",
        2 => "no route to specified transit network",
        3 => "no route to destination",
        16 => "normal call clearing",
        17 => "user busy",
        18 => "no user responding",
        19 => "no answer from user",
        20 => "subscriber absent",
        21 => "call rejected",
        22 => "number changed",
        27 => "destination out of order",
        28 => "invalid number format",
        29 => "facility rejected",
        31 => "normal, unspecified",
        34 => "no circuit/channel available",
        38 => "network out of order",
        41 => "temporary failure",
        42 => "switching equipment congestion",
        44 => "requested circuit/channel not available",
        47 => "resource unavailable, unspecified",
        57 => "bearer capability not authorized",
        58 => "bearer capability not presently available",
        63 => "service or option not available",
        65 => "bearer capability not implemented",
        79 => "service or option not implemented",
        88 => "incompatible destination",
        95 => "invalid message, unspecified",
        96 => "mandatory information element is missing",
        97 => "message type non-existent or not implemented",
        99 => "information element non-existent or not implemented",
        100 => "invalid information element contents",
        102 => "recovery on timer expiry",
        111 => "protocol error, unspecified",
        127 => "interworking, unspecified",
        _ => return None,
    })
}

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
    fn tpkt_split_anywhere() {
        let stream = [3u8, 0, 0, 7, 1, 2, 3, 3, 0, 0, 5, 9];
        for cut in 0..=stream.len() {
            let mut d = Deframer::default();
            let mut got = Vec::new();
            d.push(&stream[..cut]);
            while let Some(f) = d.pop() {
                got.push(f.unwrap());
            }
            d.push(&stream[cut..]);
            while let Some(f) = d.pop() {
                got.push(f.unwrap());
            }
            assert_eq!(got, vec![vec![1, 2, 3], vec![9]], "cut at {cut}");
        }
    }

    #[test]
    fn tpkt_rejects_other_bytes() {
        let mut d = Deframer::default();
        d.push(&[0x16, 3, 1]);
        assert_eq!(d.pop(), Some(Err(TpktError::NotTpkt(0x16, 3))));
    }

    #[test]
    fn q931_walk_with_two_octet_user_user_length() {
        // RELEASE COMPLETE, CRV 0x0001 from the destination side, Cause 16, UU of 3 bytes.
        let b = [
            8, 2, 0x80, 1, 0x5a, 0x08, 2, 0x80, 0x90, 0x7e, 0, 3, 5, 0xaa, 0xbb,
        ];
        let m = Q931::parse(&b).unwrap();
        assert_eq!(m.call_ref, 1);
        assert!(m.call_ref_flag);
        assert_eq!(m.message_type_name(), Some("RELEASE COMPLETE"));
        assert_eq!(m.cause(), Some(16));
        assert_eq!(m.user_user(), Some((5, &[0xaa, 0xbb][..])));
        assert!(Q931::parse(&b[..b.len() - 1]).is_err());
    }

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
