//! H.245 multimedia system control: capabilities, master/slave determination, logical channels
//! and the session that runs them; `names` spells message names as the ASN.1 (and tshark) do.

pub mod capabilities;
pub mod coding;
pub mod messages;
pub mod msd;
pub mod names;
pub(crate) mod ring;
pub mod session;
pub mod stencil;
