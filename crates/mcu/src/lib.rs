//! The MCU server: many rooms (conferences) on one H.323 address, an admin HTTP API for rooms
//! and participants, rooms persisted in SQLite.
//!
//! The H.323 side plugs in through [`signalling::Signalling`]: it gets the bound call-signalling
//! listener and the [`registry::RoomRegistry`]; for each incoming Setup it builds an
//! [`admission::AdmissionRequest`] and calls [`registry::RoomRegistry::join`], which applies the
//! pure [`admission::admit`] decision atomically and returns either a [`registry::Seat`] (answer
//! the call, then watch the seat for release commands: kick, room deleted, shutdown) or a
//! rejection with the Q.850 cause and H.225.0 reason to put in ReleaseComplete.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use mcu::{Config, Server};
//! use mcu::signalling::NoSignalling;
//! use service::shutdown::Shutdown;
//! let config = Config { http: "127.0.0.1:0".into(), h323: "127.0.0.1:0".into(), ..Config::default() };
//! let server = Server::bind(config).await?;
//! println!("admin API on http://{}, H.323 on {}", server.http_addr(), server.h323_addr());
//! server.serve(NoSignalling, Shutdown::on_signals()).await
//! # }
//! ```

// `Problem` (RFC 9457 body) is what handlers return on the cold error path, by value as axum
// expects; boxing it everywhere would buy nothing.
#![allow(clippy::result_large_err)]

pub mod admission;
pub mod api;
pub mod config;
pub mod h323;
pub mod media;
pub mod pin;
pub mod registry;
pub mod room;
pub mod server;
pub mod signalling;
pub mod store;

pub use config::{Args, Config};
pub use server::{run, Server};
