//! How calls end, in the words of the standards: Q.850 cause values (carried in the Q.931 Cause
//! information element) and H.225.0 `ReleaseCompleteReason` (carried in ReleaseComplete-UUIE).
//!
//! These appear in the JSON of all three servers and in their SQLite records, so they live here
//! rather than in the H.323 core; the H.323 side converts to and from its ASN.1 types.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Q.850 cause 1, unallocated (unassigned) number: no such conference.
pub const CAUSE_UNALLOCATED_NUMBER: u8 = 1;
/// Q.850 cause 16, normal call clearing.
pub const CAUSE_NORMAL_CLEARING: u8 = 16;
/// Q.850 cause 17, user busy: conference full.
pub const CAUSE_USER_BUSY: u8 = 17;
/// Q.850 cause 21, call rejected: conference locked.
pub const CAUSE_CALL_REJECTED: u8 = 21;
/// Q.850 cause 28, invalid number format (address incomplete).
pub const CAUSE_INVALID_NUMBER_FORMAT: u8 = 28;
/// Q.850 cause 41, temporary failure.
pub const CAUSE_TEMPORARY_FAILURE: u8 = 41;
/// Q.850 cause 102, recovery on timer expiry.
pub const CAUSE_TIMER_EXPIRY: u8 = 102;

/// The H.225.0 `ReleaseCompleteReason` alternatives, named as in the ASN.1 module so that JSON
/// shows `"calledPartyNotRegistered"` exactly as a protocol analyser would.
///
/// The three alternatives that carry a value in ASN.1 (`nonStandardReason`,
/// `replaceWithConferenceInvite`, `securityError`) are named without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum ReleaseReason {
    NoBandwidth,
    GatekeeperResources,
    UnreachableDestination,
    DestinationRejection,
    InvalidRevision,
    NoPermission,
    UnreachableGatekeeper,
    GatewayResources,
    BadFormatAddress,
    AdaptiveBusy,
    InConf,
    UndefinedReason,
    FacilityCallDeflection,
    SecurityDenied,
    CalledPartyNotRegistered,
    CallerNotRegistered,
    NewConnectionNeeded,
    NonStandardReason,
    ReplaceWithConferenceInvite,
    GenericDataReason,
    NeededFeatureNotSupported,
    TunnelledSignallingRejected,
    #[serde(rename = "invalidCID")]
    InvalidCid,
    SecurityError,
    HopCountExceeded,
}

const ALL: [(ReleaseReason, &str); 25] = [
    (ReleaseReason::NoBandwidth, "noBandwidth"),
    (ReleaseReason::GatekeeperResources, "gatekeeperResources"),
    (
        ReleaseReason::UnreachableDestination,
        "unreachableDestination",
    ),
    (ReleaseReason::DestinationRejection, "destinationRejection"),
    (ReleaseReason::InvalidRevision, "invalidRevision"),
    (ReleaseReason::NoPermission, "noPermission"),
    (
        ReleaseReason::UnreachableGatekeeper,
        "unreachableGatekeeper",
    ),
    (ReleaseReason::GatewayResources, "gatewayResources"),
    (ReleaseReason::BadFormatAddress, "badFormatAddress"),
    (ReleaseReason::AdaptiveBusy, "adaptiveBusy"),
    (ReleaseReason::InConf, "inConf"),
    (ReleaseReason::UndefinedReason, "undefinedReason"),
    (
        ReleaseReason::FacilityCallDeflection,
        "facilityCallDeflection",
    ),
    (ReleaseReason::SecurityDenied, "securityDenied"),
    (
        ReleaseReason::CalledPartyNotRegistered,
        "calledPartyNotRegistered",
    ),
    (ReleaseReason::CallerNotRegistered, "callerNotRegistered"),
    (ReleaseReason::NewConnectionNeeded, "newConnectionNeeded"),
    (ReleaseReason::NonStandardReason, "nonStandardReason"),
    (
        ReleaseReason::ReplaceWithConferenceInvite,
        "replaceWithConferenceInvite",
    ),
    (ReleaseReason::GenericDataReason, "genericDataReason"),
    (
        ReleaseReason::NeededFeatureNotSupported,
        "neededFeatureNotSupported",
    ),
    (
        ReleaseReason::TunnelledSignallingRejected,
        "tunnelledSignallingRejected",
    ),
    (ReleaseReason::InvalidCid, "invalidCID"),
    (ReleaseReason::SecurityError, "securityError"),
    (ReleaseReason::HopCountExceeded, "hopCountExceeded"),
];

impl ReleaseReason {
    /// The ASN.1 identifier.
    pub fn as_str(self) -> &'static str {
        ALL.iter()
            .find(|(r, _)| *r == self)
            .map_or("undefinedReason", |(_, s)| s)
    }

    /// The Q.850 cause H.225.0 (Table 5, "ReleaseCompleteReason codes mapped to Q.931/Q.850
    /// cause values") pairs with this reason; used when a ReleaseComplete carries a reason but no
    /// Cause information element.
    pub fn q850_cause(self) -> u8 {
        use ReleaseReason::*;
        match self {
            NoBandwidth => 34,
            GatekeeperResources => 47,
            UnreachableDestination => 3,
            DestinationRejection => 16,
            InvalidRevision => 88,
            NoPermission => 111,
            UnreachableGatekeeper => 38,
            GatewayResources => 42,
            BadFormatAddress => 28,
            AdaptiveBusy => 41,
            InConf => 17,
            FacilityCallDeflection => 16,
            CalledPartyNotRegistered => 20,
            NewConnectionNeeded => 47,
            NonStandardReason | TunnelledSignallingRejected => 127,
            UndefinedReason
            | SecurityDenied
            | CallerNotRegistered
            | ReplaceWithConferenceInvite
            | GenericDataReason
            | NeededFeatureNotSupported
            | InvalidCid
            | SecurityError
            | HopCountExceeded => 31,
        }
    }
}

impl fmt::Display for ReleaseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a `ReleaseCompleteReason` alternative.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown H.225.0 ReleaseCompleteReason {0:?}")]
pub struct UnknownReason(pub String);

impl FromStr for ReleaseReason {
    type Err = UnknownReason;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL.iter()
            .find(|(_, name)| *name == s)
            .map(|(r, _)| *r)
            .ok_or_else(|| UnknownReason(s.to_owned()))
    }
}

/// The Q.850 name of a cause value, for logs and operator messages.
pub fn cause_text(cause: u8) -> &'static str {
    match cause {
        1 => "unallocated (unassigned) number",
        2 => "no route to specified transit network",
        3 => "no route to destination",
        16 => "normal call clearing",
        17 => "user busy",
        18 => "no user responding",
        19 => "no answer from user (user alerted)",
        20 => "subscriber absent",
        21 => "call rejected",
        22 => "number changed",
        27 => "destination out of order",
        28 => "invalid number format (address incomplete)",
        29 => "facility rejected",
        31 => "normal, unspecified",
        34 => "no circuit/channel available",
        38 => "network out of order",
        41 => "temporary failure",
        42 => "switching equipment congestion",
        47 => "resource unavailable, unspecified",
        58 => "bearer capability not presently available",
        65 => "bearer capability not implemented",
        79 => "service or option not implemented, unspecified",
        88 => "incompatible destination",
        95 => "invalid message, unspecified",
        96 => "mandatory information element is missing",
        100 => "invalid information element contents",
        102 => "recovery on timer expiry",
        111 => "protocol error, unspecified",
        127 => "interworking, unspecified",
        _ => "unknown cause",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_json() {
        for (reason, name) in ALL {
            assert_eq!(reason.as_str(), name);
            assert_eq!(name.parse::<ReleaseReason>().unwrap(), reason);
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{name}\""));
        }
        assert!("inconf".parse::<ReleaseReason>().is_err());
    }

    #[test]
    fn every_asn1_alternative_is_listed() {
        // The ASN.1 module is the oracle: each CHOICE alternative of ReleaseCompleteReason in the
        // vendored H323-MESSAGES must be one of ours, and no more.
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../asn1/H323-MESSAGES.asn");
        let text = std::fs::read_to_string(root).unwrap();
        let start = text.find("ReleaseCompleteReason ::= CHOICE {").unwrap();
        let body = &text[start..];
        let body = &body[..body.find("\n}").unwrap()];
        let names: Vec<&str> = body
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .collect();
        assert_eq!(names.len(), ALL.len(), "{names:?}");
        for n in names {
            assert!(n.parse::<ReleaseReason>().is_ok(), "{n}");
        }
    }
}
