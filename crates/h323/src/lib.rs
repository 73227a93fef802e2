//! `h323`: a sans-IO H.323 protocol core.
//!
//! Layers stack and stay pure: TPKT deframing (RFC 1006) → Q.931 → H.225.0 user-information
//! (ASN.1 aligned PER) → call state machines, with H.245 either tunnelled in H.225.0 or on its own
//! connection. Nothing here opens a socket, spawns a thread or reads a clock: the caller passes
//! `now` in, and deadlines come back out.

pub use h323_asn1 as asn;

pub mod h225;
pub mod h245;
pub mod per;
