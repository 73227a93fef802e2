//! media: the sans-IO media core of cascade.
//!
//! Nothing here opens a socket, spawns a task or reads a clock: callers pass `now` in and move
//! bytes themselves. The MCU, the gateway's media bridge and the VN terminals drive it like this:
//!
//! ```no_run
//! use media::rtp::RtpPacket;
//! use media::jitter::{JitterBuffer, JitterConfig, Packet, Playout};
//! use std::time::Instant;
//!
//! let mut jb = JitterBuffer::new(JitterConfig::audio_8k_20ms());
//! # let datagram: &[u8] = &[];
//! let now = Instant::now();
//! if let Ok(p) = RtpPacket::parse(datagram) {
//!     let packet = Packet { sequence: p.sequence, timestamp: p.timestamp, marker: p.marker, payload: p.payload.to_vec() };
//!     jb.push(now, packet);
//! }
//! // every 20 ms:
//! match jb.pop(now) {
//!     Some(Playout::Frame(f)) => { /* decode f.payload with media::g711 and mix */ }
//!     Some(Playout::Conceal { .. }) => { /* the caller conceals the lost frame */ }
//!     None => { /* nothing due yet */ }
//! }
//! ```
//!
//! Modules: [`rtp`] (packets, sequence extension, time, rewriting), [`rtcp`] (SR/RR/SDES/BYE/
//! feedback, compound packets), [`stats`] (RFC 3550 receiver and sender statistics), [`jitter`],
//! [`g711`], [`mixer`] and [`tone`] (signal generator and Goertzel detector), [`h264`] (RFC 6184
//! packetization), [`video`] (I420 frames, compositing, test patterns, OpenH264 wrapper, RGB
//! conversion) and [`mkv`] (a Matroska writer for recordings).

pub mod g711;
pub mod h264;
pub mod jitter;
pub mod mixer;
pub mod mkv;
pub mod rtcp;
pub mod rtp;
pub mod stats;
pub mod tone;
pub mod video;
