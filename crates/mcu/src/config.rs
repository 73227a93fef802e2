//! The MCU's settings: built-in defaults, `CASCADE_*` environment, `--config` TOML, flags.
//!
//! ```toml
//! http = "127.0.0.1:8082"        # admin API
//! h323 = "0.0.0.0:1720"          # H.323 call signalling
//! data = "cascade-data"          # mcu.sqlite goes here
//! log_format = "text"
//! default_room = "1000"          # calls without a called alias go here (optional)
//! auto_create_rooms = false      # create unknown rooms on first call, as OpenMCU-ru does
//! default_max_participants = 16  # for rooms created without a limit
//! pin_timeout = "20s"            # time a caller has to key a room's PIN (DTMF)
//! rtp_ports = "16384-32767"      # UDP ports for RTP (even) and RTCP (odd)
//! [[rooms]]                      # seeded at start when absent from the database
//! number = "1234"
//! name = "Weekly"
//! max_participants = 10
//! locked = false
//! pin = "4321"
//! [video]                        # the continuous-presence picture each room sends
//! resolution = "cif"             # cif (352x288) or 720p (1280x720)
//! fps = 15
//! bitrate = 384000               # bit/s
//! ```

use std::path::PathBuf;
use std::time::Duration;

use rtp_sockets::PortRange;
use serde::{Deserialize, Serialize};
use service::config::{self, ConfigError, LogFormat, Sources};

/// A room defined in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoomSpec {
    /// The number callers dial.
    pub number: String,
    /// Name shown in the API (defaults to the number).
    #[serde(default)]
    pub name: Option<String>,
    /// Capacity (defaults to `default_max_participants`).
    #[serde(default)]
    pub max_participants: Option<u32>,
    /// Refuse new callers.
    #[serde(default)]
    pub locked: bool,
    /// Optional PIN (1 to 16 digits) callers key as DTMF after the MCU answered.
    #[serde(default)]
    pub pin: Option<String>,
}

/// Picture size of the rooms' continuous-presence video.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Resolution {
    /// 352×288, what every H.323 video endpoint decodes.
    #[default]
    #[serde(rename = "cif")]
    Cif,
    /// 1280×720.
    #[serde(rename = "720p")]
    Hd720,
}

impl Resolution {
    /// Width and height in pixels.
    pub fn size(self) -> (usize, usize) {
        match self {
            Self::Cif => media::video::CIF,
            Self::Hd720 => (1280, 720),
        }
    }
}

/// The room encoder's settings (`[video]`): one H.264 stream per room, sent to everyone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoConfig {
    /// Picture size.
    pub resolution: Resolution,
    /// Pictures per second (1 to 30).
    pub fps: f32,
    /// Target bitrate in bit/s.
    pub bitrate: u32,
}

impl Default for VideoConfig {
    /// CIF at 15 fps and 384 kbit/s: continuous presence changes slowly, and half the frame rate
    /// halves the encoder's CPU per room.
    fn default() -> Self {
        Self {
            resolution: Resolution::Cif,
            fps: 15.0,
            bitrate: 384_000,
        }
    }
}

impl VideoConfig {
    /// The frame rate kept within what the room tick can produce.
    pub fn clamped_fps(&self) -> f32 {
        if self.fps.is_finite() {
            self.fps.clamp(1.0, 30.0)
        } else {
            15.0
        }
    }
}

/// Resolved MCU settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Admin HTTP API listen address.
    pub http: String,
    /// H.323 call-signalling listen address.
    pub h323: String,
    /// Directory of `mcu.sqlite`.
    pub data: PathBuf,
    /// Log line format.
    pub log_format: LogFormat,
    /// Room for calls that name none.
    pub default_room: Option<String>,
    /// Create rooms that callers name and that do not exist.
    pub auto_create_rooms: bool,
    /// Capacity of rooms created without one.
    pub default_max_participants: u32,
    /// Rooms to create at start if the database does not have them.
    pub rooms: Vec<RoomSpec>,
    /// The rooms' continuous-presence video.
    #[serde(default)]
    pub video: VideoConfig,
    /// How long a caller into a room with a PIN has to key it before the call is released
    /// with cause 21.
    #[serde(with = "humantime_serde")]
    pub pin_timeout: Duration,
    /// UDP ports for media sockets: RTP on even ports, RTCP on the next odd one (e.g.
    /// `"16384-32767"`, the default).
    #[serde(default)]
    pub rtp_ports: PortRange,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http: "127.0.0.1:8082".into(),
            h323: "0.0.0.0:1720".into(),
            data: PathBuf::from("cascade-data"),
            log_format: LogFormat::Text,
            default_room: None,
            auto_create_rooms: false,
            default_max_participants: 16,
            rooms: Vec::new(),
            video: VideoConfig::default(),
            pin_timeout: crate::pin::DEFAULT_PIN_TIMEOUT,
            rtp_ports: PortRange::DEFAULT,
        }
    }
}

/// Command-line flags of `cascade mcu`.
#[derive(Debug, Clone, Default, Serialize, clap::Args)]
pub struct Args {
    /// TOML configuration file.
    #[arg(long, value_name = "FILE", env = "CASCADE_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Admin HTTP API listen address [default: 127.0.0.1:8082].
    #[arg(long, value_name = "HOST:PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// H.323 call-signalling listen address [default: 0.0.0.0:1720].
    #[arg(long, value_name = "HOST:PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub h323: Option<String>,
    /// Directory for the SQLite room store [default: cascade-data].
    #[arg(long, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<PathBuf>,
    /// Log format [default: text].
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<LogFormat>,
    /// Time a caller has to key a room's PIN, e.g. `20s` [default: 20s].
    #[arg(long, value_name = "DURATION")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin_timeout: Option<String>,
}

/// Keys read from `CASCADE_*` / `CASCADE_MCU_*`.
pub const ENV_KEYS: &[&str] = &[
    "http",
    "h323",
    "data",
    "log_format",
    "default_room",
    "pin_timeout",
    "rtp_ports",
];

impl Config {
    /// Merges defaults, environment, `args.config` and `args`.
    pub fn load(args: &Args) -> Result<Self, ConfigError> {
        let sources = Sources {
            file: args.config.as_deref(),
            server: "mcu",
            env_keys: ENV_KEYS,
        };
        config::load(&Self::default(), sources, args)
    }

    /// The room database file.
    pub fn db_path(&self) -> PathBuf {
        self.data.join("mcu.sqlite")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_come_from_the_file_and_flags_win() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mcu.toml");
        std::fs::write(
            &file,
            "h323 = \"127.0.0.1:1721\"\nauto_create_rooms = true\n\
             [[rooms]]\nnumber = \"1234\"\nmax_participants = 3\n\
             [[rooms]]\nnumber = \"5678\"\nlocked = true\n",
        )
        .unwrap();
        let args = Args {
            config: Some(file),
            h323: Some("127.0.0.1:0".into()),
            ..Args::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.h323, "127.0.0.1:0");
        assert!(c.auto_create_rooms);
        assert_eq!(c.rooms.len(), 2);
        assert_eq!(c.rooms[0].max_participants, Some(3));
        assert!(c.rooms[1].locked);
        assert_eq!(c.http, "127.0.0.1:8082");
        assert_eq!(c.video, VideoConfig::default());
    }

    #[test]
    fn video_settings_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mcu.toml");
        std::fs::write(
            &file,
            "[video]\nresolution = \"720p\"\nfps = 25\nbitrate = 1000000\n",
        )
        .unwrap();
        let args = Args {
            config: Some(file.clone()),
            ..Args::default()
        };
        let c = Config::load(&args).unwrap();
        assert_eq!(c.video.resolution.size(), (1280, 720));
        assert_eq!((c.video.fps, c.video.bitrate), (25.0, 1_000_000));
        std::fs::write(&file, "[video]\nresolution = \"4k\"\n").unwrap();
        assert!(Config::load(&args).is_err());
    }
}
