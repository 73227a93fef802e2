//! H.245 (MULTIMEDIA-SYSTEM-CONTROL) on top of the generated rasn types in
//! [`crate::asn::h245`].

pub mod names;
