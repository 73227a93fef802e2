//! The gateway's media bridge: for each call, the VN-side UDP sockets (an RTP/RTCP pair for audio
//! and one for video, bound when the call is created and announced in the `201`'s `media`), and
//! a relay task that carries RTP between them and the H.323 call's own media sockets.
//!
//! ```text
//!  VN side (vnet)             gateway relay (one task per call)              MCU (H.323 channels)
//!  PCMU PT 0  ──▶ vn audio ── rewrite SSRC/seq/ts, µ→A if the MCU chose A-law ──▶ mcu transmit ch.
//!  H.264 PT 96 ─▶ vn video ── rewrite, PT 96 → the OLC's dynamic PT ─────────────▶ mcu transmit ch.
//!            ◀── vn audio ◀── rewrite, A→µ, PT 0 ◀────────────────────────────── mcu receive ch.
//!            ◀── vn video ◀── rewrite, PT 96 ◀───────────────────────────────── mcu receive ch.
//!  RTCP PLI/FIR ─────────────▶ H.245 videoFastUpdatePicture (Command::FastUpdate, ≤ 1 per 500 ms)
//!  RTCP PLI  ◀──────────────── H.245 videoFastUpdatePicture from the MCU (or its RTCP PLI/FIR)
//! ```
//!
//! Each leg has RTCP of its own: the gateway is the sender of its rewritten streams (SR every
//! ~5 s with report blocks on what it receives, BYE when the call ends), not a translator that
//! passes the other side's reports through (RFC 3550 §7.2 "mixer"-style SSRCs, no decode).
//!
//! Modules: [`stream`] (one direction of one medium, the sans-IO hot path), [`relay`] (the
//! per-call task). The per-direction statistics follow RFC 3550 through `media::stats`.

pub mod relay;
pub mod stream;

use std::net::{IpAddr, SocketAddr};

use h323::h245::session::MediaChannel;
use h323_tokio::{Command, MediaSockets};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

/// An RTP/RTCP address pair in the VN legs' JSON (`rtcp` absent means RTP port + 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RtpAddress {
    /// Where RTP goes, e.g. `127.0.0.1:40000`.
    #[schema(value_type = String, example = "127.0.0.1:40000")]
    pub rtp: SocketAddr,
    /// Where RTCP goes; defaults to the RTP port + 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "127.0.0.1:40001")]
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

/// The VN legs' media addresses of one call: `{"audio": {...}, "video": {...}}`, each optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaAddresses {
    /// Audio: PCMU, payload type 0, 20 ms packets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<RtpAddress>,
    /// Video: H.264 packetization mode 1, payload type 96.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<RtpAddress>,
}

/// RFC 3550 figures of one relayed stream, as `GET /v1/calls/{id}` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StreamStats {
    /// RTP packets received on this direction.
    pub packets: u64,
    /// Payload bytes received.
    pub bytes: u64,
    /// Cumulative packets lost (RFC 3550 A.3; negative when duplicates outnumber losses).
    pub lost: i64,
    /// Interarrival jitter (RFC 3550 A.8) in milliseconds.
    pub jitter_ms: f64,
    /// SSRC of the source received.
    pub ssrc: Option<u32>,
    /// The gateway's own SSRC on which this direction is relayed.
    pub sent_ssrc: u32,
    /// RTP packets sent on after rewriting.
    pub sent_packets: u64,
}

/// Audio and video of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DirectionStats {
    /// Audio.
    pub audio: StreamStats,
    /// Video.
    pub video: StreamStats,
}

/// Media statistics of a call, per direction.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MediaStats {
    /// What the MCU sent (received on the H.323 leg, relayed to the VN side).
    pub from_mcu: DirectionStats,
    /// What the VN side sent (received on the VN leg, relayed to the MCU).
    pub to_mcu: DirectionStats,
}

/// What the H.323 call tells the relay.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum McuEvent {
    /// A logical channel opened (fastStart or H.245).
    ChannelOpened(MediaChannel),
    /// A logical channel closed.
    ChannelClosed {
        /// Its number.
        number: u16,
    },
    /// The MCU asked for an intra picture on the video we send it.
    FastUpdateRequested,
}

/// The H.323 side of a call's media, handed from the dialer to the gateway with the call.
#[derive(Debug)]
pub struct McuMedia {
    /// The sockets the call announced (bound before the Setup).
    pub sockets: MediaSockets,
    /// Channel and intra-request events, in order; closes when the call ends.
    pub events: mpsc::UnboundedReceiver<McuEvent>,
    /// The call task's commands (for `Command::FastUpdate`).
    pub commands: mpsc::UnboundedSender<Command>,
}

/// The VN-side sockets of a call, bound at call creation.
#[derive(Debug)]
pub struct VnSockets {
    /// Even/odd pairs for audio and video (the same shape as the H.323 side's).
    pub sockets: MediaSockets,
}

impl VnSockets {
    /// Binds the pairs on the address that routes towards `peer` (the VN side's announced
    /// address), or on `fallback` when the VN side gave none.
    pub async fn bind(peer: Option<SocketAddr>, fallback: IpAddr) -> std::io::Result<Self> {
        let ip = match peer {
            Some(p) => local_ip_towards(p).await.unwrap_or(fallback),
            None => fallback,
        };
        Ok(Self {
            sockets: MediaSockets::bind(ip).await?,
        })
    }

    /// The addresses to put in the `201`.
    pub fn addresses(&self) -> std::io::Result<MediaAddresses> {
        let s = &self.sockets;
        Ok(MediaAddresses {
            audio: Some(RtpAddress {
                rtp: s.audio_rtp.local_addr()?,
                rtcp: Some(s.audio_rtcp.local_addr()?),
            }),
            video: Some(RtpAddress {
                rtp: s.video_rtp.local_addr()?,
                rtcp: Some(s.video_rtcp.local_addr()?),
            }),
        })
    }
}

/// The local address the kernel would send from to reach `peer` (a connected UDP socket sends
/// nothing; it only asks the routing table).
async fn local_ip_towards(peer: SocketAddr) -> std::io::Result<IpAddr> {
    let any: SocketAddr = if peer.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let probe = tokio::net::UdpSocket::bind(any).await?;
    probe.connect(peer).await?;
    Ok(probe.local_addr()?.ip())
}
