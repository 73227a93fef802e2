//! The gateway: an HTTP API that places H.323 calls into MCU conferences (the patent's "first call
//! request" becomes `POST /v1/calls`), keeps call records (CDRs) in SQLite and reports call state
//! changes as Server-Sent Events.
//!
//! The H.323 side is behind one trait, [`dialer::Dialer`]: this crate does the dial plan, the
//! HTTP API, timeouts, records and events; an implementation of `Dialer` places the call.
//!
//! ```no_run
//! # async fn demo(dialer: std::sync::Arc<dyn gateway::dialer::Dialer>) -> anyhow::Result<()> {
//! use gateway::{Config, Server};
//! use service::shutdown::Shutdown;
//! let config = Config { http: "127.0.0.1:0".into(), ..Config::default() };
//! let server = Server::bind(config, dialer).await?;
//! println!("gateway API on http://{}", server.http_addr());
//! server.serve(Shutdown::on_signals()).await
//! # }
//! ```
//!
//! Modules: [`config`] (settings and flags), [`dialplan`] (prefix → route), [`dialer`] (the H.323
//! seam), [`calls`] (placing, supervising and releasing calls), [`store`] (CDRs), [`events`] (the
//! event bus behind `GET /v1/events`), [`media`] (the per-call RTP relay between the VN side and
//! the MCU, with RFC 3550 statistics), [`api`] (HTTP handlers and problem mapping), [`server`].

// `Problem` (RFC 9457 body) is what handlers return on the cold error path, by value as axum
// expects; boxing it everywhere would buy nothing.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod calls;
pub mod config;
pub mod dialer;
pub mod dialplan;
pub mod events;
#[cfg(feature = "fake")]
pub mod fake;
pub mod h323;
pub mod media;
pub mod server;
pub mod store;

pub use config::{Args, Config};
pub use server::{run, Server};
/// The dial-string grammar, shared with the VN server.
pub use service::dial;
