//! H.225.0 made usable: builders and typed views over the generated rasn types
//! of H323-MESSAGES ([`crate::asn::h225`]), for call signalling (the
//! H323-UserInformation carried in Q.931's User-user IE) and for RAS
//! ([`ras`]).
//!
//! This module owns no state: it turns call parameters into PER octets and back.
//!
//! ```
//! use h323::h225::{build, Alias, CallId, ConferenceId, UserInfo};
//!
//! // Caller side: a Setup to conference "1234" at 192.0.2.10.
//! let mut setup = build::Setup::new(CallId([1; 16]), ConferenceId([2; 16]));
//! setup.destination_aliases = vec![Alias::DialedDigits("1234".into())];
//! setup.dest_call_signal_address = Some("192.0.2.10:1720".parse().unwrap());
//! let octets = UserInfo::new(setup.build().unwrap())
//!     .with_h245_tunnelling(true)
//!     .encode()
//!     .unwrap();
//!
//! // Callee side.
//! let msg = UserInfo::decode(&octets).unwrap();
//! assert_eq!(msg.body_name(), "setup");
//! assert_eq!(msg.destination_aliases(), vec![Alias::DialedDigits("1234".into())]);
//! assert!(msg.h245_tunnelling());
//! ```
//!
//! Names (`setup`, `releaseComplete`, ...) are spelled as in the ASN.1, which is
//! also how tshark prints them.

mod alias;
mod body;
pub mod build;
mod common;
mod opaque;
pub mod ras;
pub mod stencil;
mod user_info;

pub use alias::{
    alias_address_name, bmp_to_string, endpoint_identifier, gatekeeper_identifier, ia5_to_string,
    Alias, TextError, DIALED_DIGITS_ALPHABET,
};
pub use body::{message_name, Body};
pub use build::{
    facility_reason_name, release_reason_name, BuildError, ConferenceGoal, EndpointInfo,
};
pub use common::{
    endpoint_kind, endpoint_type, is_supported_version, protocol_identifier, protocol_version,
    socket_addr, transport_address, CallId, ConferenceId, EndpointKind, Vendor, PROTOCOL_ID_PREFIX,
    PROTOCOL_VERSION, SUPPORTED_VERSIONS,
};
pub use user_info::{UserInfo, UuExtras};
