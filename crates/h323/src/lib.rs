pub mod asn;
