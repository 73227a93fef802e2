//! The gateway's settings: built-in defaults, `CASCADE_*` environment, `--config` TOML, flags.
//!
//! ```toml
//! http = "127.0.0.1:8081"
//! data = "cascade-data"          # gateway.sqlite goes here
//! log_format = "text"            # or "json"
//! call_timeout = "30s"           # no answer within this → 504
//! default_display = "cascade"    # display/h323-ID when the request names none
//! rtp_ports = "16384-32767"      # UDP ports for RTP (even) and RTCP (odd)
//! [[dial_plan]]
//! prefix = "80"
//! kind = "cascade"               # VN conference calls internet conference
//! ```

use std::path::PathBuf;
use std::time::Duration;

use rtp_sockets::PortRange;
use serde::{Deserialize, Serialize};
use service::config::{self, ConfigError, LogFormat, Sources};

use crate::dialplan::{Route, RouteKind};

/// Resolved gateway settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// HTTP API listen address.
    pub http: String,
    /// Directory of `gateway.sqlite`.
    pub data: PathBuf,
    /// Log line format.
    pub log_format: LogFormat,
    /// How long `POST /v1/calls` waits for the MCU to answer.
    #[serde(with = "humantime_serde")]
    pub call_timeout: Duration,
    /// Display name and h323-ID sent when a request gives no `display`.
    pub default_display: String,
    /// Prefixes and what they mean; longest match wins.
    pub dial_plan: Vec<Route>,
    /// UDP ports for media sockets: RTP on even ports, RTCP on the next odd one (e.g.
    /// `"16384-32767"`, the default).
    #[serde(default)]
    pub rtp_ports: PortRange,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http: "127.0.0.1:8081".into(),
            data: PathBuf::from("cascade-data"),
            log_format: LogFormat::Text,
            call_timeout: Duration::from_secs(30),
            default_display: "cascade".into(),
            dial_plan: vec![Route {
                prefix: "80".into(),
                kind: RouteKind::Cascade,
            }],
            rtp_ports: PortRange::DEFAULT,
        }
    }
}

/// Command-line flags of `cascade gateway`.
#[derive(Debug, Clone, Default, Serialize, clap::Args)]
pub struct Args {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE", env = "CASCADE_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// HTTP API listen address [default: 127.0.0.1:8081].
    #[arg(long, value_name = "HOST:PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// Directory for the SQLite call records [default: cascade-data].
    #[arg(long, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    /// Log format [default: text].
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// Time to wait for the MCU to answer, e.g. `30s`, `500ms` [default: 30s].
    #[arg(long, value_name = "DURATION")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_timeout: Option<String>,
}

/// Keys read from `CASCADE_*` / `CASCADE_GATEWAY_*`.
pub const ENV_KEYS: &[&str] = &[
    "http",
    "data",
    "log_format",
    "call_timeout",
    "default_display",
    "rtp_ports",
];

impl Config {
    /// Merges defaults, environment, `args.config` and `args`.
    pub fn load(args: &Args) -> Result<Self, ConfigError> {
        let sources = Sources {
            file: args.config.as_deref(),
            server: "gateway",
            env_keys: ENV_KEYS,
        };
        config::load(&Self::default(), sources, args)
    }

    /// The CDR database file.
    pub fn db_path(&self) -> PathBuf {
        self.data.join("gateway.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_issue() {
        let c = Config::load(&Args::default()).unwrap();
        assert_eq!(c.http, "127.0.0.1:8081");
        assert_eq!(c.call_timeout, Duration::from_secs(30));
        assert_eq!(c.dial_plan[0].prefix, "80");
    }

    #[test]
    fn file_and_flags_set_the_dial_plan_and_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.toml");
        std::fs::write(
            &file,
            "call_timeout = \"2s\"\n[[dial_plan]]\nprefix = \"81\"\nkind = \"cascade\"\n",
        )
        .unwrap();
        let mut args = Args {
            config: Some(file),
            ..Args::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.call_timeout, Duration::from_secs(2));
        assert_eq!(c.dial_plan.len(), 1);
        assert_eq!(c.dial_plan[0].prefix, "81");
        args.call_timeout = Some("250ms".into());
        assert_eq!(
            Config::load(&args).unwrap().call_timeout,
            Duration::from_millis(250)
        );
    }

    #[test]
    fn rtp_ports_come_from_the_file_and_a_bad_range_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("g.toml");
        std::fs::write(&file, "rtp_ports = \"40000-40999\"\n").unwrap();
        let args = Args {
            config: Some(file.clone()),
            ..Args::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!((c.rtp_ports.first(), c.rtp_ports.last()), (40000, 40999));
        assert_eq!(
            Config::load(&Args::default()).unwrap().rtp_ports,
            PortRange::DEFAULT
        );
        std::fs::write(&file, "rtp_ports = \"40999-40000\"\n").unwrap();
        let e = Config::load(&args).unwrap_err().to_string();
        assert!(e.contains("40999-40000"), "{e}");
    }
}
