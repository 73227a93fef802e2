//! G.711 µ-law and A-law (ITU-T G.711, RTP payload types 0 PCMU and 8 PCMA, RFC 3551 §4.5.14).
//!
//! Written by hand because the algorithm is 40 lines and the crates that offer it pull in whole
//! codec frameworks. The code follows the classic segment-search formulation (the one in ITU-T
//! G.191's reference and Sun's `g711.c`), with 16-bit linear PCM on the linear side: µ-law uses
//! the top 14 bits, A-law the top 13. Decoding goes through 256-entry tables built at compile
//! time; encoding finds the segment with a leading-zero count instead of a table search.

use crate::rtp::{PT_PCMA, PT_PCMU};

/// µ-law bias (33 in the 14-bit domain), added before the segment search.
const ULAW_BIAS: i32 = 0x84;
/// µ-law clip level in the 14-bit domain.
const ULAW_CLIP: i32 = 8159;

/// Encodes one sample to µ-law.
#[inline]
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut v = i32::from(sample) >> 2;
    let mask = if v < 0 {
        v = -v;
        0x7f
    } else {
        0xff
    };
    let v = v.min(ULAW_CLIP) + (ULAW_BIAS >> 2);
    // Segment = bit length - 6, floored at 0: segment s covers values below 0x40 << s.
    let seg = (32 - v.leading_zeros() as i32 - 6).max(0);
    if seg >= 8 {
        return 0x7f ^ mask;
    }
    let code = (seg << 4) | ((v >> (seg + 1)) & 0x0f);
    code as u8 ^ mask
}

const fn ulaw_decode_const(code: u8) -> i16 {
    let u = !code;
    let t = (((u & 0x0f) as i32) << 3) + ULAW_BIAS;
    let t = t << ((u & 0x70) >> 4);
    (if u & 0x80 != 0 {
        ULAW_BIAS - t
    } else {
        t - ULAW_BIAS
    }) as i16
}

/// Encodes one sample to A-law.
#[inline]
pub fn alaw_encode(sample: i16) -> u8 {
    let mut v = i32::from(sample) >> 3;
    let mask = if v >= 0 {
        0xd5
    } else {
        v = -v - 1;
        0x55
    };
    // Segment = bit length - 5, floored at 0; 13-bit input cannot overflow segment 7.
    let seg = (32 - v.leading_zeros() as i32 - 5).max(0);
    let mantissa = if seg < 2 { v >> 1 } else { v >> seg } & 0x0f;
    ((seg << 4) | mantissa) as u8 ^ mask
}

const fn alaw_decode_const(code: u8) -> i16 {
    let a = code ^ 0x55;
    let mut t = ((a & 0x0f) as i32) << 4;
    let seg = (a & 0x70) >> 4;
    match seg {
        0 => t += 8,
        1 => t += 0x108,
        _ => {
            t += 0x108;
            t <<= seg - 1;
        }
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

// Decode tables, one entry per code, computed at compile time.
const ULAW_TABLE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = ulaw_decode_const(i as u8);
        i += 1;
    }
    t
};
const ALAW_TABLE: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = alaw_decode_const(i as u8);
        i += 1;
    }
    t
};

/// Decodes one µ-law code.
#[inline]
pub fn ulaw_decode(code: u8) -> i16 {
    ULAW_TABLE[usize::from(code)]
}

/// Decodes one A-law code.
#[inline]
pub fn alaw_decode(code: u8) -> i16 {
    ALAW_TABLE[usize::from(code)]
}

/// The two G.711 laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Law {
    /// µ-law, RTP payload type 0 (PCMU).
    Ulaw,
    /// A-law, RTP payload type 8 (PCMA).
    Alaw,
}

impl Law {
    /// The static RTP payload type.
    pub fn payload_type(self) -> u8 {
        match self {
            Self::Ulaw => PT_PCMU,
            Self::Alaw => PT_PCMA,
        }
    }

    /// The law of a static RTP payload type, if it is G.711.
    pub fn from_payload_type(pt: u8) -> Option<Self> {
        match pt {
            PT_PCMU => Some(Self::Ulaw),
            PT_PCMA => Some(Self::Alaw),
            _ => None,
        }
    }

    /// Encodes `pcm` into `out`, sample by sample, up to the shorter of the two.
    pub fn encode(self, pcm: &[i16], out: &mut [u8]) {
        let f = match self {
            Self::Ulaw => ulaw_encode,
            Self::Alaw => alaw_encode,
        };
        for (o, &s) in out.iter_mut().zip(pcm) {
            *o = f(s);
        }
    }

    /// Decodes `codes` into `out`, up to the shorter of the two.
    pub fn decode(self, codes: &[u8], out: &mut [i16]) {
        let t = match self {
            Self::Ulaw => &ULAW_TABLE,
            Self::Alaw => &ALAW_TABLE,
        };
        for (o, &c) in out.iter_mut().zip(codes) {
            *o = t[usize::from(c)];
        }
    }

    /// Quantisation step (in 16-bit units) of the segment a code belongs to.
    pub fn step(self, code: u8) -> i32 {
        match self {
            Self::Ulaw => 8 << ((!code & 0x70) >> 4),
            Self::Alaw => {
                let seg = ((code ^ 0x55) & 0x70) >> 4;
                if seg == 0 {
                    16
                } else {
                    16 << (seg - 1)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_code_values() {
        // Zero, full scale and the extreme reconstruction levels of both laws.
        assert_eq!(ulaw_encode(0), 0xff);
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(ulaw_decode(0xff), 0);
        assert_eq!(ulaw_decode(0x7f), 0);
        assert_eq!(ulaw_decode(0x80), 32124);
        assert_eq!(ulaw_decode(0x00), -32124);
        assert_eq!(alaw_encode(0), 0xd5);
        assert_eq!(alaw_encode(i16::MAX), 0xaa);
        assert_eq!(alaw_encode(i16::MIN), 0x2a);
        assert_eq!(alaw_decode(0xd5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xaa), 32256);
        assert_eq!(alaw_decode(0x2a), -32256);
        // G.711 table 1a/2a decision/decoder values at segment boundaries (in 13/14-bit units,
        // scaled to 16 bits): µ-law code 0xEF (segment 1 start) decodes to 33*8-132 = 132.
        assert_eq!(ulaw_decode(0xef), 132);
        // A-law segment 1 first level: 0x108 + 0 = 264; code 0x80|0x10 ^ 0x55 = 0xc5.
        assert_eq!(alaw_decode(0xc5), 264);
    }

    #[test]
    fn decode_encode_is_identity_on_codes() {
        for c in 0..=255u8 {
            // µ-law has two codes for zero (0x7F and 0xFF); both decode to 0, which encodes to 0xFF.
            let back = ulaw_encode(ulaw_decode(c));
            assert!(
                back == c || (c == 0x7f && back == 0xff),
                "ulaw {c:#x} -> {back:#x}"
            );
            assert_eq!(alaw_encode(alaw_decode(c)), c, "alaw {c:#x}");
        }
    }

    #[test]
    fn round_trip_error_within_segment_step() {
        for law in [Law::Ulaw, Law::Alaw] {
            for x in i16::MIN..=i16::MAX {
                let mut code = [0u8];
                law.encode(&[x], &mut code);
                let mut y = [0i16];
                law.decode(&code, &mut y);
                let err = (i32::from(x) - i32::from(y[0])).abs();
                // Half a step plus the bits dropped before quantising (3 for µ-law's 14-bit
                // input); beyond the largest reconstruction level, the clipping distance.
                let half = law.step(code[0]) / 2 + 3;
                let bound = if i32::from(x).abs() <= 32256 {
                    half
                } else {
                    half.max(i32::from(x).abs() - 32124)
                };
                assert!(
                    err <= bound,
                    "{law:?} x={x} y={} err={err} bound={bound}",
                    y[0]
                );
            }
        }
    }

    #[test]
    fn monotonic() {
        for law in [Law::Ulaw, Law::Alaw] {
            let mut prev = i16::MIN;
            for x in (i16::MIN..=i16::MAX).step_by(7) {
                let mut c = [0u8];
                law.encode(&[x], &mut c);
                let mut y = [0i16];
                law.decode(&c, &mut y);
                assert!(y[0] >= prev, "{law:?} not monotonic at {x}");
                prev = y[0];
            }
        }
        assert_eq!(Law::from_payload_type(8), Some(Law::Alaw));
        assert_eq!(Law::Ulaw.payload_type(), 0);
        assert_eq!(Law::from_payload_type(96), None);
    }
}
