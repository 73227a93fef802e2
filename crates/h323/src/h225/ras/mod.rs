//! H.225.0 RAS (registration, admission, status) over UDP: [`Ras`], a decoded
//! `RasMessage` that also accepts message types added by later versions, typed
//! accessors for the fields an endpoint or gatekeeper acts on, and builders
//! ([`build`]) for GRQ/GCF/GRJ, RRQ/RCF/RRJ, URQ/UCF, ARQ/ACF/ARJ, DRQ/DCF,
//! LRQ/LCF/LRJ and IRQ/IRR.

pub mod build;
mod view;

use rasn::{AsnType, Decode, Encode};

use super::opaque::Opaque;
use crate::asn::h225::*;
use crate::per::{self, PerError};
use rasn::types::SequenceOf;

/// A RAS message: a known `RasMessage`, or an extension alternative added by an
/// H.225.0 version after 7 (answer it with unknownMessageResponse).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ras {
    /// A message type of H.225.0 v7.
    Known(Box<RasMessage>),
    /// An unknown extension alternative.
    Unknown {
        /// Index among RasMessage's extension alternatives (known ones are 0..=7).
        index: usize,
        /// The alternative's complete encoding.
        encoded: Vec<u8>,
    },
}

impl From<RasMessage> for Ras {
    fn from(m: RasMessage) -> Self {
        Ras::Known(Box::new(m))
    }
}

impl Ras {
    /// Decodes a RAS datagram.
    pub fn decode(bytes: &[u8]) -> Result<Self, PerError> {
        per::decode::<RasWire>(bytes).map(Ras::from_wire)
    }

    /// Encodes to aligned PER.
    pub fn encode(&self) -> Result<Vec<u8>, PerError> {
        match self {
            Ras::Known(m) => per::encode(m.as_ref()),
            Ras::Unknown { index, encoded } => {
                let w = RasWire::spare(*index, encoded.clone()).ok_or(
                    PerError::UnknownAlternative {
                        type_name: "RasMessage",
                        index: *index,
                    },
                )?;
                per::encode(&w)
            }
        }
    }

    /// The message, unless it is of an unknown type.
    pub fn message(&self) -> Option<&RasMessage> {
        match self {
            Ras::Known(m) => Some(m),
            Ras::Unknown { .. } => None,
        }
    }

    /// The ASN.1 name (`"gatekeeperRequest"`, ...; `"unknown"`).
    pub fn name(&self) -> &'static str {
        self.message().map_or("unknown", message_name)
    }
}

/// Encodes a `RasMessage` to aligned PER.
pub fn encode(m: &RasMessage) -> Result<Vec<u8>, PerError> {
    per::encode(m)
}

/// Number of extension alternatives of RasMessage in H.225.0 v7.
const KNOWN_EXTENSIONS: usize = 8;

macro_rules! ras_messages {
    (
        root { $($rv:ident($rt:ty) = $rn:literal),* $(,)? }
        ext { $($ev:ident($et:ty) = $en:literal),* $(,)? }
        spare { $($sv:ident = $si:literal),* $(,)? }
    ) => {
        /// The ASN.1 name of a RasMessage alternative (`"gatekeeperRequest"`,
        /// `"registrationConfirm"`, `"infoRequestResponse"`, ...), as tshark prints it.
        pub fn message_name(m: &RasMessage) -> &'static str {
            match m {
                $(RasMessage::$rv(_) => $rn,)*
                $(RasMessage::$ev(_) => $en,)*
                _ => "unknown",
            }
        }

        /// Wire mirror of RasMessage: the same alternatives in the same order,
        /// then spare extension alternatives that catch unknown message types.
        #[derive(AsnType, Debug, Clone, Decode, Encode, PartialEq, Eq)]
        #[rasn(choice, automatic_tags, identifier = "RasMessage")]
        #[non_exhaustive]
        #[allow(clippy::large_enum_variant, non_camel_case_types)]
        enum RasWire {
            $($rv($rt),)*
            $(#[rasn(extension_addition)] $ev($et),)*
            $(#[rasn(extension_addition)] $sv(Opaque),)*
        }

        impl Ras {
            fn from_wire(w: RasWire) -> Self {
                match w {
                    $(RasWire::$rv(m) => RasMessage::$rv(m).into(),)*
                    $(RasWire::$ev(m) => RasMessage::$ev(m).into(),)*
                    $(RasWire::$sv(o) => Ras::Unknown { index: KNOWN_EXTENSIONS + $si, encoded: o.0 },)*
                }
            }
        }

        impl RasWire {
            fn spare(index: usize, encoded: Vec<u8>) -> Option<Self> {
                match index.checked_sub(KNOWN_EXTENSIONS)? {
                    $($si => Some(RasWire::$sv(Opaque(encoded))),)*
                    _ => None,
                }
            }
        }
    };
}

ras_messages! {
    root {
        gatekeeperRequest(GatekeeperRequest) = "gatekeeperRequest",
        gatekeeperConfirm(GatekeeperConfirm) = "gatekeeperConfirm",
        gatekeeperReject(GatekeeperReject) = "gatekeeperReject",
        registrationRequest(RegistrationRequest) = "registrationRequest",
        registrationConfirm(RegistrationConfirm) = "registrationConfirm",
        registrationReject(RegistrationReject) = "registrationReject",
        unregistrationRequest(UnregistrationRequest) = "unregistrationRequest",
        unregistrationConfirm(UnregistrationConfirm) = "unregistrationConfirm",
        unregistrationReject(UnregistrationReject) = "unregistrationReject",
        admissionRequest(AdmissionRequest) = "admissionRequest",
        admissionConfirm(AdmissionConfirm) = "admissionConfirm",
        admissionReject(AdmissionReject) = "admissionReject",
        bandwidthRequest(BandwidthRequest) = "bandwidthRequest",
        bandwidthConfirm(BandwidthConfirm) = "bandwidthConfirm",
        bandwidthReject(BandwidthReject) = "bandwidthReject",
        disengageRequest(DisengageRequest) = "disengageRequest",
        disengageConfirm(DisengageConfirm) = "disengageConfirm",
        disengageReject(DisengageReject) = "disengageReject",
        locationRequest(LocationRequest) = "locationRequest",
        locationConfirm(LocationConfirm) = "locationConfirm",
        locationReject(LocationReject) = "locationReject",
        infoRequest(InfoRequest) = "infoRequest",
        infoRequestResponse(InfoRequestResponse) = "infoRequestResponse",
        nonStandardMessage(NonStandardMessage) = "nonStandardMessage",
        unknownMessageResponse(UnknownMessageResponse) = "unknownMessageResponse",
    }
    ext {
        requestInProgress(RequestInProgress) = "requestInProgress",
        resourcesAvailableIndicate(ResourcesAvailableIndicate) = "resourcesAvailableIndicate",
        resourcesAvailableConfirm(ResourcesAvailableConfirm) = "resourcesAvailableConfirm",
        infoRequestAck(InfoRequestAck) = "infoRequestAck",
        infoRequestNak(InfoRequestNak) = "infoRequestNak",
        serviceControlIndication(ServiceControlIndication) = "serviceControlIndication",
        serviceControlResponse(ServiceControlResponse) = "serviceControlResponse",
        admissionConfirmSequence(SequenceOf<AdmissionConfirm>) = "admissionConfirmSequence",
    }
    spare {
        X0 = 0, X1 = 1, X2 = 2, X3 = 3, X4 = 4, X5 = 5, X6 = 6, X7 = 7,
        X8 = 8, X9 = 9, X10 = 10, X11 = 11, X12 = 12, X13 = 13, X14 = 14, X15 = 15,
    }
}

const _: () = assert!(16 == super::opaque::SPARE_ALTERNATIVES);

#[cfg(test)]
mod tests {
    use super::*;
    use rasn::types::Choice;

    #[test]
    fn names_match_the_asn1_identifiers_in_order() {
        // rasn lists the identifiers of the generated enum in declaration order.
        let ids = <RasMessage as Choice>::IDENTIFIERS;
        assert_eq!(ids.len(), 33);
        assert_eq!(ids[0], "gatekeeperRequest");
        assert_eq!(ids[22], "infoRequestResponse");
        assert_eq!(ids[32], "admissionConfirmSequence");
    }
}
