//! The VN conference server: VN conferences, and cascades of them into internet conferences on
//! H.323 MCUs through the gateway (the patent's flow: the VN server sends the first call request
//! to the gateway over HTTP, and on success marks the conference cascaded).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use vnet::{Config, Server};
//! use service::shutdown::Shutdown;
//! let config = Config {
//!     http: "127.0.0.1:0".into(),
//!     gateway: "http://127.0.0.1:8081".into(),
//!     ..Config::default()
//! };
//! let server = Server::bind(config).await?;
//! println!("operator page on http://{}/", server.http_addr());
//! server.serve(Shutdown::on_signals()).await
//! # }
//! ```
//!
//! Modules: [`config`], [`store`] (conferences and cascades in SQLite), [`gateway_client`] (the
//! gateway's HTTP API), [`cascades`] (the cascade logic and the words operators read),
//! [`follow`] (the gateway event subscription), [`media`] (terminals and each conference's
//! audio mixing and video forwarding), [`api`] (HTTP handlers and the operator page),
//! [`server`].

// `Problem` (RFC 9457 body) is what handlers return on the cold error path, by value as axum
// expects; boxing it everywhere would buy nothing.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod cascades;
pub mod config;
pub mod follow;
pub mod gateway_client;
pub mod media;
pub mod server;
pub mod store;

pub use config::{Args, Config};
pub use server::{run, Server};
