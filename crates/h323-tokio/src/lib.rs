//! `h323-tokio`: runs [`h323::call::Call`] on tokio, one task per call, the way `quinn` drives
//! `quinn-proto`. The task owns the state machine and its sockets (call signalling, the
//! separate H.245 connection when there is one, the H.245 listener it announces); its owner talks
//! to it only through a [`CallTask`]'s command sender and event receiver.
//!
//! Media sockets are bound by [`MediaSockets::bind`] before the call starts, so every RTP/RTCP
//! address the call announces in fastStart or OpenLogicalChannelAck is a real bound socket.

mod driver;
mod media;

pub use driver::{call, dial, serve, CallTask, Command};
pub use media::MediaSockets;
