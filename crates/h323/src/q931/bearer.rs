//! The Bearer capability information element (Q.931 4.5.5, profiled by H.225.0 7.2.2).
//!
//! Octets 3, 4, 4.1 and 5 are typed because H.323 call handling reads them; the layer-1 rate
//! adaption octets 5a–5d and the layer-2/3 octets 6–7 are kept as received, since H.225.0 gives
//! them no meaning.

use super::codes::code_enum;

code_enum! {
    /// Information transfer capability (octet 3, 5 bits).
    pub enum TransferCapability: 0x1f {
        /// Speech.
        Speech = 0x00 => "speech",
        /// Unrestricted digital information.
        UnrestrictedDigital = 0x08 => "unrestricted digital information",
        /// Restricted digital information.
        RestrictedDigital = 0x09 => "restricted digital information",
        /// 3.1 kHz audio.
        Audio3_1kHz = 0x10 => "3.1 kHz audio",
        /// Unrestricted digital information with tones/announcements.
        UnrestrictedDigitalWithTones = 0x11 => "unrestricted digital information with tones/announcements",
        /// Video.
        Video = 0x18 => "video",
    }
}

code_enum! {
    /// Transfer mode (octet 4, 2 bits).
    pub enum TransferMode: 0x03 {
        /// Circuit mode, the only mode H.225.0 uses.
        Circuit = 0 => "circuit mode",
        /// Packet mode.
        Packet = 2 => "packet mode",
    }
}

code_enum! {
    /// User information layer 1 protocol (octet 5, 5 bits).
    pub enum Layer1Protocol: 0x1f {
        /// ITU-T V.110/I.460/X.30 rate adaption.
        V110 = 1 => "V.110/I.460/X.30",
        /// G.711 µ-law.
        G711Ulaw = 2 => "G.711 u-law",
        /// G.711 A-law.
        G711Alaw = 3 => "G.711 A-law",
        /// G.721 ADPCM.
        G721 = 4 => "G.721",
        /// H.221 and H.242, the value H.225.0 asks for.
        H221 = 5 => "H.221/H.242",
        /// H.223 and H.245.
        H223 = 6 => "H.223/H.245",
        /// Non-ITU-T standardized rate adaption.
        NonItu = 7 => "non-ITU-T rate adaption",
        /// V.120.
        V120 = 8 => "V.120",
        /// X.31 HDLC flag stuffing.
        X31 = 9 => "X.31 HDLC flag stuffing",
    }
}

/// Information transfer rate (octet 4, 5 bits; octet 4.1 for multirate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransferRate {
    /// Packet mode (rate field 00000).
    Packet,
    /// 64 kbit/s.
    Kbit64,
    /// 2 × 64 kbit/s.
    Kbit2x64,
    /// 384 kbit/s.
    Kbit384,
    /// 1536 kbit/s.
    Kbit1536,
    /// 1920 kbit/s.
    Kbit1920,
    /// Multirate: `multiplier` × 64 kbit/s, carried in octet 4.1 (7 bits).
    Multirate {
        /// The rate multiplier.
        multiplier: u8,
    },
    /// A rate code without a name here.
    Other(u8),
}

const RATE_MULTIRATE: u8 = 0x18;

impl TransferRate {
    fn from_code(code: u8) -> Self {
        match code & 0x1f {
            0x00 => Self::Packet,
            0x10 => Self::Kbit64,
            0x11 => Self::Kbit2x64,
            0x13 => Self::Kbit384,
            0x15 => Self::Kbit1536,
            0x17 => Self::Kbit1920,
            RATE_MULTIRATE => Self::Multirate { multiplier: 0 },
            other => Self::Other(other),
        }
    }

    /// The 5-bit rate code of octet 4.
    pub fn code(self) -> u8 {
        match self {
            Self::Packet => 0x00,
            Self::Kbit64 => 0x10,
            Self::Kbit2x64 => 0x11,
            Self::Kbit384 => 0x13,
            Self::Kbit1536 => 0x15,
            Self::Kbit1920 => 0x17,
            Self::Multirate { .. } => RATE_MULTIRATE,
            Self::Other(code) => code & 0x1f,
        }
    }
}

/// Bearer capability IE, identifier 0x04.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BearerCapability {
    /// Coding standard, 2 bits: 0 = ITU-T.
    pub coding_standard: u8,
    /// Information transfer capability.
    pub transfer_capability: TransferCapability,
    /// Transfer mode.
    pub transfer_mode: TransferMode,
    /// Information transfer rate, with the multiplier for multirate.
    pub transfer_rate: TransferRate,
    /// User information layer 1 protocol (octet 5), if present.
    pub layer1: Option<Layer1Protocol>,
    /// Octets 5a–5d as received (only meaningful when `layer1` is set).
    pub layer1_extra: Vec<u8>,
    /// Octets 6 and 7 (layer 2 and 3 protocol) as received.
    pub rest: Vec<u8>,
}

impl BearerCapability {
    /// The bearer of an H.323 voice call: speech, circuit mode, 64 kbit/s, layer 1 H.221/H.242
    /// (`04 03 80 90 a5`).
    pub fn h323_speech() -> Self {
        Self::h323(TransferCapability::Speech)
    }

    /// The bearer of an H.323 call with video or data: unrestricted digital information, circuit
    /// mode, 64 kbit/s, layer 1 H.221/H.242 (`04 03 88 90 a5`).
    pub fn h323_unrestricted_digital() -> Self {
        Self::h323(TransferCapability::UnrestrictedDigital)
    }

    fn h323(transfer_capability: TransferCapability) -> Self {
        Self {
            coding_standard: 0,
            transfer_capability,
            transfer_mode: TransferMode::Circuit,
            transfer_rate: TransferRate::Kbit64,
            layer1: Some(Layer1Protocol::H221),
            layer1_extra: Vec::new(),
            rest: Vec::new(),
        }
    }

    /// Parses the IE contents; `None` when octets 3 or 4 (or 4.1 for multirate) are missing.
    /// Extension octets 3a and 4a/4b, which Q.931 (1993) no longer defines, are skipped.
    pub(crate) fn decode(contents: &[u8]) -> Option<Self> {
        let mut octets = contents.iter().copied().peekable();
        let octet3 = octets.next()?;
        skip_extension(&mut octets, octet3);
        let octet4 = octets.next()?;
        skip_extension(&mut octets, octet4);
        let transfer_rate = match TransferRate::from_code(octet4) {
            TransferRate::Multirate { .. } => TransferRate::Multirate {
                multiplier: octets.next()? & 0x7f,
            },
            rate => rate,
        };
        let mut layer1 = None;
        let mut layer1_extra = Vec::new();
        if let Some(&octet5) = octets.peek() {
            if octet5 & 0x60 == 0x20 {
                octets.next();
                layer1 = Some(Layer1Protocol::from_code(octet5));
                let mut last = octet5;
                while last & 0x80 == 0 {
                    let Some(next) = octets.next() else { break };
                    layer1_extra.push(next);
                    last = next;
                }
            }
        }
        Some(Self {
            coding_standard: (octet3 >> 5) & 0x03,
            transfer_capability: TransferCapability::from_code(octet3),
            transfer_mode: TransferMode::from_code(octet4 >> 5),
            transfer_rate,
            layer1,
            layer1_extra,
            rest: octets.collect(),
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.push(0x80 | (self.coding_standard & 0x03) << 5 | self.transfer_capability.code());
        out.push(0x80 | self.transfer_mode.code() << 5 | self.transfer_rate.code());
        if let TransferRate::Multirate { multiplier } = self.transfer_rate {
            out.push(0x80 | (multiplier & 0x7f));
        }
        if let Some(layer1) = self.layer1 {
            // Octet 5's extension bit says whether 5a follows.
            let ext = if self.layer1_extra.is_empty() {
                0x80
            } else {
                0x00
            };
            out.push(ext | 0x20 | layer1.code());
            out.extend_from_slice(&self.layer1_extra);
        }
        out.extend_from_slice(&self.rest);
    }
}

/// Consumes the continuation octets of a group whose first octet had its extension bit clear.
fn skip_extension(octets: &mut impl Iterator<Item = u8>, first: u8) {
    let mut last = first;
    while last & 0x80 == 0 {
        match octets.next() {
            Some(next) => last = next,
            None => return,
        }
    }
}
