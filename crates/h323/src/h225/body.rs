//! The `h323-message-body` CHOICE of H323-UU-PDU: the public [`Body`] enum, its
//! ASN.1 names, and the private wire mirror that also accepts alternatives added
//! by later H.225.0 versions (see `opaque.rs`).

use rasn::{AsnType, Decode, Encode};

use super::opaque::Opaque;
use crate::asn::h225::{
    AlertingUUIE, CallProceedingUUIE, ConnectUUIE, FacilityUUIE, H323UUPDUH323MessageBody,
    InformationUUIE, NotifyUUIE, ProgressUUIE, ReleaseCompleteUUIE, SetupAcknowledgeUUIE,
    SetupUUIE, StatusInquiryUUIE, StatusUUIE,
};

/// The h323-message-body of an H.225.0 call-signalling message. Each variant
/// holds the generated UUIE struct (boxed: they have up to 40 fields).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Body {
    /// `setup`
    Setup(Box<SetupUUIE>),
    /// `callProceeding`
    CallProceeding(Box<CallProceedingUUIE>),
    /// `connect`
    Connect(Box<ConnectUUIE>),
    /// `alerting`
    Alerting(Box<AlertingUUIE>),
    /// `information`
    Information(Box<InformationUUIE>),
    /// `releaseComplete`
    ReleaseComplete(Box<ReleaseCompleteUUIE>),
    /// `facility`
    Facility(Box<FacilityUUIE>),
    /// `progress`
    Progress(Box<ProgressUUIE>),
    /// `empty`: a Facility message that carries no Facility-UUIE (only tunnelled
    /// H.245 or supplementary services).
    Empty,
    /// `status`
    Status(Box<StatusUUIE>),
    /// `statusInquiry`
    StatusInquiry(Box<StatusInquiryUUIE>),
    /// `setupAcknowledge`
    SetupAcknowledge(Box<SetupAcknowledgeUUIE>),
    /// `notify`
    Notify(Box<NotifyUUIE>),
    /// An extension alternative added by an H.225.0 version after 7. Such a
    /// message decodes (its H.245 tunnelling fields stay usable) and re-encodes
    /// to the same octets.
    Unknown {
        /// Index among the extension alternatives (0 = progress; known ones are 0..=5).
        index: usize,
        /// The alternative's complete encoding (its open type's contents).
        encoded: Vec<u8>,
    },
}

impl Body {
    /// The alternative's ASN.1 name, as tshark prints it: `"setup"`,
    /// `"callProceeding"`, ..., `"empty"`; `"unknown"` for [`Body::Unknown`].
    pub fn name(&self) -> &'static str {
        match self {
            Self::Setup(_) => "setup",
            Self::CallProceeding(_) => "callProceeding",
            Self::Connect(_) => "connect",
            Self::Alerting(_) => "alerting",
            Self::Information(_) => "information",
            Self::ReleaseComplete(_) => "releaseComplete",
            Self::Facility(_) => "facility",
            Self::Progress(_) => "progress",
            Self::Empty => "empty",
            Self::Status(_) => "status",
            Self::StatusInquiry(_) => "statusInquiry",
            Self::SetupAcknowledge(_) => "setupAcknowledge",
            Self::Notify(_) => "notify",
            Self::Unknown { .. } => "unknown",
        }
    }

    /// The generated rasn enum, or `None` for [`Body::Unknown`].
    pub fn to_asn(&self) -> Option<H323UUPDUH323MessageBody> {
        use H323UUPDUH323MessageBody as M;
        Some(match self.clone() {
            Self::Setup(b) => M::setup(*b),
            Self::CallProceeding(b) => M::callProceeding(*b),
            Self::Connect(b) => M::connect(*b),
            Self::Alerting(b) => M::alerting(*b),
            Self::Information(b) => M::information(*b),
            Self::ReleaseComplete(b) => M::releaseComplete(*b),
            Self::Facility(b) => M::facility(*b),
            Self::Progress(b) => M::progress(*b),
            Self::Empty => M::empty(()),
            Self::Status(b) => M::status(*b),
            Self::StatusInquiry(b) => M::statusInquiry(*b),
            Self::SetupAcknowledge(b) => M::setupAcknowledge(*b),
            Self::Notify(b) => M::notify(*b),
            Self::Unknown { .. } => return None,
        })
    }

    /// From the generated rasn enum.
    pub fn from_asn(m: H323UUPDUH323MessageBody) -> Self {
        use H323UUPDUH323MessageBody as M;
        match m {
            M::setup(b) => Self::Setup(Box::new(b)),
            M::callProceeding(b) => Self::CallProceeding(Box::new(b)),
            M::connect(b) => Self::Connect(Box::new(b)),
            M::alerting(b) => Self::Alerting(Box::new(b)),
            M::information(b) => Self::Information(Box::new(b)),
            M::releaseComplete(b) => Self::ReleaseComplete(Box::new(b)),
            M::facility(b) => Self::Facility(Box::new(b)),
            M::progress(b) => Self::Progress(Box::new(b)),
            M::empty(()) => Self::Empty,
            M::status(b) => Self::Status(Box::new(b)),
            M::statusInquiry(b) => Self::StatusInquiry(Box::new(b)),
            M::setupAcknowledge(b) => Self::SetupAcknowledge(Box::new(b)),
            M::notify(b) => Self::Notify(Box::new(b)),
            // The generated enum is #[non_exhaustive]; it has no further variants today.
            _ => Self::Unknown {
                index: usize::MAX,
                encoded: Vec::new(),
            },
        }
    }
}

/// The ASN.1 name of an h323-message-body alternative (`"setup"`, ...,
/// `"empty"`), as tshark prints it.
pub fn message_name(m: &H323UUPDUH323MessageBody) -> &'static str {
    use H323UUPDUH323MessageBody as M;
    match m {
        M::setup(_) => "setup",
        M::callProceeding(_) => "callProceeding",
        M::connect(_) => "connect",
        M::alerting(_) => "alerting",
        M::information(_) => "information",
        M::releaseComplete(_) => "releaseComplete",
        M::facility(_) => "facility",
        M::progress(_) => "progress",
        M::empty(_) => "empty",
        M::status(_) => "status",
        M::statusInquiry(_) => "statusInquiry",
        M::setupAcknowledge(_) => "setupAcknowledge",
        M::notify(_) => "notify",
        _ => "unknown",
    }
}

/// Number of extension alternatives H.225.0 v7 defines (progress..notify).
const KNOWN_EXTENSIONS: usize = 6;

macro_rules! body_wire {
    ($($spare:ident = $index:expr),* $(,)?) => {
        /// Wire mirror of the h323-message-body CHOICE: the same alternatives in
        /// the same order (so the same tags and indices), plus spare extension
        /// alternatives that catch unknown ones.
        #[derive(AsnType, Debug, Clone, Decode, Encode, PartialEq, Eq)]
        #[rasn(choice, automatic_tags, identifier = "H323-UU-PDU.h323-message-body")]
        #[non_exhaustive]
        pub(crate) enum BodyWire {
            Setup(Box<SetupUUIE>),
            CallProceeding(Box<CallProceedingUUIE>),
            Connect(Box<ConnectUUIE>),
            Alerting(Box<AlertingUUIE>),
            Information(Box<InformationUUIE>),
            ReleaseComplete(Box<ReleaseCompleteUUIE>),
            Facility(Box<FacilityUUIE>),
            #[rasn(extension_addition)]
            Progress(Box<ProgressUUIE>),
            #[rasn(extension_addition)]
            Empty(()),
            #[rasn(extension_addition)]
            Status(Box<StatusUUIE>),
            #[rasn(extension_addition)]
            StatusInquiry(Box<StatusInquiryUUIE>),
            #[rasn(extension_addition)]
            SetupAcknowledge(Box<SetupAcknowledgeUUIE>),
            #[rasn(extension_addition)]
            Notify(Box<NotifyUUIE>),
            $(
                #[rasn(extension_addition)]
                $spare(Opaque),
            )*
        }

        impl From<BodyWire> for Body {
            fn from(w: BodyWire) -> Self {
                match w {
                    BodyWire::Setup(b) => Body::Setup(b),
                    BodyWire::CallProceeding(b) => Body::CallProceeding(b),
                    BodyWire::Connect(b) => Body::Connect(b),
                    BodyWire::Alerting(b) => Body::Alerting(b),
                    BodyWire::Information(b) => Body::Information(b),
                    BodyWire::ReleaseComplete(b) => Body::ReleaseComplete(b),
                    BodyWire::Facility(b) => Body::Facility(b),
                    BodyWire::Progress(b) => Body::Progress(b),
                    BodyWire::Empty(()) => Body::Empty,
                    BodyWire::Status(b) => Body::Status(b),
                    BodyWire::StatusInquiry(b) => Body::StatusInquiry(b),
                    BodyWire::SetupAcknowledge(b) => Body::SetupAcknowledge(b),
                    BodyWire::Notify(b) => Body::Notify(b),
                    $(BodyWire::$spare(o) => Body::Unknown { index: KNOWN_EXTENSIONS + $index, encoded: o.0 },)*
                }
            }
        }

        impl BodyWire {
            /// `None` for an unknown alternative whose index has no spare slot
            /// (only possible for a `Body::Unknown` built by hand).
            pub(crate) fn from_body(b: Body) -> Option<Self> {
                Some(match b {
                    Body::Setup(b) => BodyWire::Setup(b),
                    Body::CallProceeding(b) => BodyWire::CallProceeding(b),
                    Body::Connect(b) => BodyWire::Connect(b),
                    Body::Alerting(b) => BodyWire::Alerting(b),
                    Body::Information(b) => BodyWire::Information(b),
                    Body::ReleaseComplete(b) => BodyWire::ReleaseComplete(b),
                    Body::Facility(b) => BodyWire::Facility(b),
                    Body::Progress(b) => BodyWire::Progress(b),
                    Body::Empty => BodyWire::Empty(()),
                    Body::Status(b) => BodyWire::Status(b),
                    Body::StatusInquiry(b) => BodyWire::StatusInquiry(b),
                    Body::SetupAcknowledge(b) => BodyWire::SetupAcknowledge(b),
                    Body::Notify(b) => BodyWire::Notify(b),
                    Body::Unknown { index, encoded } => {
                        match index.checked_sub(KNOWN_EXTENSIONS) {
                            $(Some($index) => BodyWire::$spare(Opaque(encoded)),)*
                            _ => return None,
                        }
                    }
                })
            }
        }
    };
}

body_wire!(
    X0 = 0,
    X1 = 1,
    X2 = 2,
    X3 = 3,
    X4 = 4,
    X5 = 5,
    X6 = 6,
    X7 = 7,
    X8 = 8,
    X9 = 9,
    X10 = 10,
    X11 = 11,
    X12 = 12,
    X13 = 13,
    X14 = 14,
    X15 = 15,
);
const _: () = assert!(16 == super::opaque::SPARE_ALTERNATIVES);
