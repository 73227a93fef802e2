//! The VN server's settings: built-in defaults, `CASCADE_*` environment, `--config` TOML, flags.
//!
//! ```toml
//! http = "127.0.0.1:8080"
//! data = "cascade-data"              # vnet.sqlite goes here
//! log_format = "text"
//! gateway = "http://127.0.0.1:8081"  # the gateway's API
//! cascade_prefix = "80"              # prefix of {"conference","mcu"} cascades
//! gateway_timeout = "40s"            # longer than the gateway's call timeout
//! rtp_ports = "16384-32767"          # UDP ports for RTP (even) and RTCP (odd)
//! terminal_timeout = "30s"           # a terminal silent this long has left (RFC 3550 6.3.5)
//! ```

use std::path::PathBuf;
use std::time::Duration;

use rtp_sockets::PortRange;
use serde::{Deserialize, Serialize};
use service::config::{self, ConfigError, LogFormat, Sources};

/// Resolved VN server settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// HTTP API and operator page listen address.
    pub http: String,
    /// Directory of `vnet.sqlite`.
    pub data: PathBuf,
    /// Log line format.
    pub log_format: LogFormat,
    /// Base URL of the gateway's API.
    pub gateway: String,
    /// Dial-plan prefix for cascades given as conference + MCU.
    pub cascade_prefix: String,
    /// Longest wait for one gateway request (must exceed the gateway's call timeout).
    #[serde(with = "humantime_serde")]
    pub gateway_timeout: Duration,
    /// UDP ports for media sockets: RTP on even ports, RTCP on the next odd one (e.g.
    /// `"16384-32767"`, the default).
    #[serde(default)]
    pub rtp_ports: PortRange,
    /// A terminal from which nothing (RTP or RTCP) arrived for this long is taken to have left,
    /// as RFC 3550 6.3.5 times out a participant after five report intervals.
    #[serde(with = "humantime_serde", default = "default_terminal_timeout")]
    pub terminal_timeout: Duration,
}

fn default_terminal_timeout() -> Duration {
    Duration::from_secs(30)
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http: "127.0.0.1:8080".into(),
            data: PathBuf::from("cascade-data"),
            log_format: LogFormat::Text,
            gateway: "http://127.0.0.1:8081".into(),
            cascade_prefix: "80".into(),
            gateway_timeout: Duration::from_secs(40),
            rtp_ports: PortRange::DEFAULT,
            terminal_timeout: default_terminal_timeout(),
        }
    }
}

/// Command-line flags of `cascade vnet`.
#[derive(Debug, Clone, Default, Serialize, clap::Args)]
pub struct Args {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE", env = "CASCADE_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// HTTP listen address [default: 127.0.0.1:8080].
    #[arg(long, value_name = "HOST:PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// Directory for the SQLite records [default: cascade-data].
    #[arg(long, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    /// Log format [default: text].
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// Gateway API base URL [default: http://127.0.0.1:8081].
    #[arg(long, value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
}

/// Keys read from `CASCADE_*` / `CASCADE_VNET_*`.
pub const ENV_KEYS: &[&str] = &[
    "http",
    "data",
    "log_format",
    "gateway",
    "cascade_prefix",
    "gateway_timeout",
    "rtp_ports",
    "terminal_timeout",
];

impl Config {
    /// Merges defaults, environment, `args.config` and `args`.
    pub fn load(args: &Args) -> Result<Self, ConfigError> {
        let sources = Sources {
            file: args.config.as_deref(),
            server: "vnet",
            env_keys: ENV_KEYS,
        };
        config::load(&Self::default(), sources, args)
    }

    /// The records file.
    pub fn db_path(&self) -> PathBuf {
        self.data.join("vnet.sqlite")
    }
}
