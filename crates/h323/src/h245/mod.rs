//! H.245 multimedia system control: capabilities, master/slave determination, logical channels
//! and the session that runs them.

pub mod capabilities;
pub mod messages;
pub mod msd;
pub mod session;
