//! VN conference media: the terminals that join a conference (live state, kept in memory) and,
//! per conference, a media task ([`conference`]) that mixes its audio and forwards its video
//! between its terminals and its cascades' legs to the gateway.
//!
//! Conventions on the VN legs (ours): RTP/RTCP over UDP, RTCP on the RTP port + 1, symmetric
//! RTP; audio PCMU payload type 0 in 20 ms packets; video H.264 payload type 96 (RFC 6184
//! packetization mode 1), CIF by default; intra requests as RTCP PLI or FIR.
//!
//! Modules: [`sockets`] (one leg's even/odd UDP pairs), [`conference`] (the media task).

pub mod conference;
pub mod sockets;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use conference::{Cmd, Who};
use sockets::LegSockets;

/// The VN legs' H.264 payload type.
pub const PT_H264: u8 = 96;

/// An RTP/RTCP address pair (`rtcp` absent means RTP port + 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RtpAddress {
    /// Where RTP goes.
    pub rtp: SocketAddr,
    /// Where RTCP goes; defaults to the RTP port + 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtcp: Option<SocketAddr>,
}

impl RtpAddress {
    /// The RTCP address, given or implied.
    pub fn rtcp_or_next(&self) -> SocketAddr {
        self.rtcp.unwrap_or_else(|| {
            let mut a = self.rtp;
            a.set_port(a.port().wrapping_add(1));
            a
        })
    }
}

/// `{"audio": {...}, "video": {...}}`, each optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaAddresses {
    /// Audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<RtpAddress>,
    /// Video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<RtpAddress>,
}

/// The audio format on the VN legs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioFormat {
    /// `PCMU`.
    pub codec: String,
    /// 0.
    pub payload_type: u8,
}

/// The video format on the VN legs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoFormat {
    /// `H264`.
    pub codec: String,
    /// 96.
    pub payload_type: u8,
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
}

/// A terminal in a VN conference, as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terminal {
    /// Id (unique in this server's run).
    pub id: u64,
    /// Name.
    pub name: String,
    /// Where vnet receives this terminal's media (send here).
    pub media: MediaAddresses,
    /// Where the terminal receives (as it said, or learnt from what it sends).
    pub receives_at: MediaAddresses,
    /// Audio format.
    pub audio: AudioFormat,
    /// Video format.
    pub video: VideoFormat,
}

/// Body of `POST /v1/conferences/{id}/terminals`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTerminal {
    /// Name.
    pub name: String,
    /// Where the terminal receives.
    #[serde(default)]
    pub media: MediaAddresses,
}

struct Room {
    commands: mpsc::UnboundedSender<Cmd>,
    terminals: Vec<Terminal>,
    /// Cascade ids with a media leg.
    cascades: Vec<i64>,
}

/// A cascade leg whose sockets are bound (and announced to the gateway) but not yet running.
#[derive(Debug)]
pub struct PreparedLeg {
    sockets: Arc<LegSockets>,
    /// Our receive addresses, for the gateway request's `media`.
    pub addresses: MediaAddresses,
}

/// Every conference's media. Clones share it.
#[derive(Clone)]
pub struct Media {
    inner: Arc<Inner>,
}

struct Inner {
    ip: IpAddr,
    rooms: Mutex<HashMap<i64, Room>>,
    next_terminal: AtomicU64,
    /// Silence after which a terminal is dropped.
    terminal_timeout: Duration,
}

impl Media {
    /// Media bound on `ip` (the address terminals and the gateway send to); a terminal silent
    /// for `terminal_timeout` is dropped.
    pub fn new(ip: IpAddr, terminal_timeout: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                ip,
                rooms: Mutex::new(HashMap::new()),
                next_terminal: AtomicU64::new(1),
                terminal_timeout,
            }),
        }
    }

    fn rooms(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Room>> {
        self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn room<'a>(&self, rooms: &'a mut HashMap<i64, Room>, conference: i64) -> &'a mut Room {
        rooms.entry(conference).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            let seed = (conference as u64) ^ std::process::id() as u64 ^ nanos();
            // The task drops a terminal that left without a word; the list forgets it too.
            let weak = Arc::downgrade(&self.inner);
            let gone = move |id: u64| {
                if let Some(inner) = weak.upgrade() {
                    let mut rooms = inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(room) = rooms.get_mut(&conference) {
                        room.terminals.retain(|t| t.id != id);
                    }
                }
            };
            let liveness = conference::Liveness {
                timeout: self.inner.terminal_timeout,
                gone: Box::new(gone),
            };
            tokio::spawn(conference::run(conference, seed, rx, liveness));
            Room {
                commands: tx,
                terminals: Vec::new(),
                cascades: Vec::new(),
            }
        })
    }

    /// Adds a terminal to `conference` (which the caller checked exists).
    pub async fn add_terminal(
        &self,
        conference: i64,
        req: NewTerminal,
    ) -> std::io::Result<Terminal> {
        let sockets = LegSockets::bind(self.inner.ip).await?;
        let terminal = Terminal {
            id: self.inner.next_terminal.fetch_add(1, Ordering::Relaxed),
            name: req.name,
            media: sockets.addresses()?,
            receives_at: req.media,
            audio: AudioFormat {
                codec: "PCMU".into(),
                payload_type: 0,
            },
            video: VideoFormat {
                codec: "H264".into(),
                payload_type: PT_H264,
                width: 352,
                height: 288,
            },
        };
        let mut rooms = self.rooms();
        let room = self.room(&mut rooms, conference);
        let _ = room.commands.send(Cmd::Add {
            who: Who::Terminal(terminal.id),
            sockets,
            peer: req.media,
        });
        room.terminals.push(terminal.clone());
        Ok(terminal)
    }

    /// The terminals of `conference`.
    pub fn terminals(&self, conference: i64) -> Vec<Terminal> {
        self.rooms()
            .get(&conference)
            .map(|r| r.terminals.clone())
            .unwrap_or_default()
    }

    /// Removes a terminal; false if it is not in `conference`.
    pub fn remove_terminal(&self, conference: i64, id: u64) -> bool {
        let mut rooms = self.rooms();
        let Some(room) = rooms.get_mut(&conference) else {
            return false;
        };
        let Some(pos) = room.terminals.iter().position(|t| t.id == id) else {
            return false;
        };
        room.terminals.remove(pos);
        let _ = room.commands.send(Cmd::Remove(Who::Terminal(id)));
        true
    }

    /// Binds a cascade leg's sockets before the gateway is asked to call.
    pub async fn prepare_cascade(&self) -> std::io::Result<PreparedLeg> {
        let sockets = LegSockets::bind(self.inner.ip).await?;
        let addresses = sockets.addresses()?;
        Ok(PreparedLeg { sockets, addresses })
    }

    /// Starts a cascade's media: `gateway` is where the gateway receives it (its `201`'s
    /// `media`; empty: learnt from what the gateway sends).
    pub fn attach_cascade(
        &self,
        conference: i64,
        cascade: i64,
        leg: PreparedLeg,
        gateway: MediaAddresses,
    ) {
        let mut rooms = self.rooms();
        let room = self.room(&mut rooms, conference);
        let _ = room.commands.send(Cmd::Add {
            who: Who::Cascade(cascade),
            sockets: leg.sockets,
            peer: gateway,
        });
        room.cascades.push(cascade);
    }

    /// Stops a cascade's media (it ended or failed); nothing if it had none.
    pub fn detach_cascade(&self, conference: i64, cascade: i64) {
        let mut rooms = self.rooms();
        if let Some(room) = rooms.get_mut(&conference) {
            if let Some(pos) = room.cascades.iter().position(|&c| c == cascade) {
                room.cascades.remove(pos);
                let _ = room.commands.send(Cmd::Remove(Who::Cascade(cascade)));
            }
        }
    }

    /// Stops a conference's media task and drops its terminals (the conference is deleted).
    pub fn close(&self, conference: i64) {
        // Dropping the command sender ends the task, which says BYE on every leg.
        self.rooms().remove(&conference);
    }
}

fn nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
