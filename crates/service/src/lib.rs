//! What cascade's three servers (`mcu`, `gateway`, `vnet`) share, so that each of them stays a thin
//! layer of HTTP handlers over its own logic.
//!
//! - [`config`]: layered configuration (flags > TOML file > `CASCADE_*` environment > defaults).
//! - [`telemetry`]: `tracing` set-up with `--log-format text|json`.
//! - [`shutdown`]: one clonable shutdown signal, fired by SIGTERM/SIGINT or by code.
//! - [`db`]: SQLite (WAL) with versioned schema migrations, used from async code.
//! - [`problem`]: RFC 9457 `application/problem+json` errors and a JSON extractor that emits them.
//! - [`http`]: `/healthz`, `/metrics`, the problem+json fallback and graceful `serve`.
//! - [`dial`]: the dial-string grammar (`801234@192.0.2.10:1720`) shared by gateway and vnet.
//! - [`release`]: Q.850 cause names and H.225.0 `ReleaseCompleteReason`, in the JSON of all three.
//! - [`clock`]: wall-clock timestamps as RFC 3339 for JSON and SQLite.
//! - [`limits`]: the open-files limit, raised to the hard limit at start.
//!
//! A server built on it looks like this:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use service::{http, shutdown::Shutdown};
//! let shutdown = Shutdown::on_signals();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let app = http::base_router(None);
//! http::serve(listener, app, shutdown.clone()).await?;
//! # Ok(()) }
//! ```

pub mod clock;
pub mod config;
pub mod db;
pub mod dial;
pub mod http;
pub mod limits;
pub mod problem;
pub mod release;
pub mod shutdown;
pub mod telemetry;
