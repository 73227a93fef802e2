//! Layered configuration for the servers: command-line flags override the TOML file, the file
//! overrides `CASCADE_*` environment variables, which override built-in defaults.
//!
//! `figment` does the merging (it is made for exactly this); this module only fixes the order, the
//! environment names and the errors. Environment variables are read for a short list of scalar keys
//! only, so unrelated `CASCADE_*` variables (e.g. `CASCADE_SHARED` in tests) are never mistaken for
//! settings; `CASCADE_<SERVER>_<KEY>` (e.g. `CASCADE_MCU_HTTP`) beats the plain `CASCADE_<KEY>` so
//! three servers can share one environment.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the layers come from, besides the defaults and the flags.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// `--config FILE`; it must exist when given.
    pub file: Option<&'a Path>,
    /// Server name for `CASCADE_<SERVER>_<KEY>` (e.g. `"mcu"`).
    pub server: &'a str,
    /// Lower-case config keys that may come from the environment (e.g. `["http", "data"]`).
    pub env_keys: &'a [&'a str],
}

/// Why the configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `--config` names a file that is not there.
    #[error("config file {path} does not exist")]
    FileNotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// A layer holds a value of the wrong type, an unknown key, or bad TOML.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
}

/// Builds `T` from `defaults`, the environment, the file in `sources` and `flags`, in that order of
/// increasing precedence. `flags` should skip its `None` fields when serialized so that an absent
/// flag does not hide the file's value.
pub fn load<T, F>(defaults: &T, sources: Sources<'_>, flags: &F) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned,
    F: Serialize,
{
    let server_prefix = format!("CASCADE_{}_", sources.server.to_uppercase());
    let mut figment = Figment::from(Serialized::defaults(defaults))
        .merge(Env::prefixed("CASCADE_").only(sources.env_keys))
        .merge(Env::prefixed(&server_prefix).only(sources.env_keys));
    if let Some(path) = sources.file {
        if !path.is_file() {
            return Err(ConfigError::FileNotFound {
                path: path.to_path_buf(),
            });
        }
        figment = figment.merge(Toml::file(path));
    }
    figment
        .merge(Serialized::defaults(flags))
        .extract()
        .map_err(|e| ConfigError::Invalid(Box::new(e)))
}

#[cfg(test)]
// figment::Jail closures return figment's own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        http: String,
        data: String,
        log_format: LogFormat,
        room: Option<String>,
    }

    #[derive(Serialize, Default)]
    struct Flags {
        #[serde(skip_serializing_if = "Option::is_none")]
        http: Option<String>,
    }

    fn defaults() -> Cfg {
        Cfg {
            http: "127.0.0.1:1".into(),
            data: "d".into(),
            log_format: LogFormat::Text,
            room: None,
        }
    }

    const KEYS: &[&str] = &["http", "data", "log_format"];

    #[test]
    fn flags_beat_file_beat_env_beat_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CASCADE_HTTP", "127.0.0.1:2");
            jail.set_env("CASCADE_DATA", "env-data");
            jail.set_env("CASCADE_LOG_FORMAT", "json");
            jail.set_env("CASCADE_SHARED", "/not/a/setting");
            jail.create_file("c.toml", "http = \"127.0.0.1:3\"\nroom = \"1234\"\n")?;
            let sources = Sources {
                file: Some(Path::new("c.toml")),
                server: "mcu",
                env_keys: KEYS,
            };
            let cfg: Cfg = load(&defaults(), sources, &Flags::default()).unwrap();
            assert_eq!(cfg.http, "127.0.0.1:3", "file beats env");
            assert_eq!(cfg.data, "env-data", "env beats defaults");
            assert_eq!(cfg.log_format, LogFormat::Json);
            assert_eq!(cfg.room.as_deref(), Some("1234"));
            let flags = Flags {
                http: Some("127.0.0.1:4".into()),
            };
            let cfg: Cfg = load(&defaults(), sources, &flags).unwrap();
            assert_eq!(cfg.http, "127.0.0.1:4", "flags beat file");
            Ok(())
        });
    }

    #[test]
    fn server_specific_env_beats_generic_env() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CASCADE_HTTP", "127.0.0.1:2");
            jail.set_env("CASCADE_MCU_HTTP", "127.0.0.1:5");
            let sources = Sources {
                file: None,
                server: "mcu",
                env_keys: KEYS,
            };
            let cfg: Cfg = load(&defaults(), sources, &Flags::default()).unwrap();
            assert_eq!(cfg.http, "127.0.0.1:5");
            let sources = Sources {
                server: "vnet",
                ..sources
            };
            let cfg: Cfg = load(&defaults(), sources, &Flags::default()).unwrap();
            assert_eq!(cfg.http, "127.0.0.1:2");
            Ok(())
        });
    }

    #[test]
    fn missing_file_and_unknown_keys_are_errors() {
        figment::Jail::expect_with(|jail| {
            let sources = Sources {
                file: Some(Path::new("nope.toml")),
                server: "mcu",
                env_keys: KEYS,
            };
            let err = load::<Cfg, _>(&defaults(), sources, &Flags::default()).unwrap_err();
            assert!(matches!(err, ConfigError::FileNotFound { .. }), "{err}");
            jail.create_file("typo.toml", "htp = \"x\"\n")?;
            let sources = Sources {
                file: Some(Path::new("typo.toml")),
                ..sources
            };
            let err = load::<Cfg, _>(&defaults(), sources, &Flags::default()).unwrap_err();
            assert!(err.to_string().contains("htp"), "{err}");
            Ok(())
        });
    }
}
