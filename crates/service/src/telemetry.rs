//! Logging set-up: `tracing` events to stderr as text or JSON lines, filtered by `RUST_LOG`
//! (default `info`).

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber. Returns `false` when one was already installed (tests that
/// start several servers in one process call this more than once).
pub fn init(format: LogFormat) -> bool {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.try_init().is_ok(),
        LogFormat::Json => builder.json().try_init().is_ok(),
    }
}
