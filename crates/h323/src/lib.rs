//! `h323`: a sans-IO H.323 protocol core.
//!
//! Layers stack and stay pure: TPKT deframing (RFC 1006) → Q.931 → H.225.0 user-information
//! (ASN.1 aligned PER) → call state machines, with H.245 either tunnelled in H.225.0 or on its own
//! connection. Nothing here opens a socket, spawns a thread or reads a clock: the caller passes
//! `now` in, and deadlines come back out.
//!
//! Walk it top down: [`call::Call`] (one call, either side) → [`h245::session::H245Session`] →
//! [`q931::Message`] and [`tpkt::Deframer`]; the ASN.1 types are [`asn`].

pub use h323_asn1 as asn;

pub mod call;
pub mod h225;
pub mod h245;
pub mod per;
pub mod q931;
pub mod rand;
pub mod tpkt;
