//! The UDP sockets of one VN media leg (a terminal or a cascade): an RTP/RTCP pair (even/odd
//! ports, RFC 3550 §11) for audio and one for video. The same shape as
//! `h323_tokio::MediaSockets`, repeated here so that vnet does not depend on the H.323 stack.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::net::UdpSocket;

use super::{MediaAddresses, RtpAddress};

/// One leg's sockets.
#[derive(Debug)]
pub struct LegSockets {
    /// Audio RTP.
    pub audio_rtp: UdpSocket,
    /// Audio RTCP.
    pub audio_rtcp: UdpSocket,
    /// Video RTP.
    pub video_rtp: UdpSocket,
    /// Video RTCP.
    pub video_rtcp: UdpSocket,
}

async fn bind_pair(ip: IpAddr) -> io::Result<(UdpSocket, UdpSocket)> {
    // A free port from the kernel, then it (if even) or its neighbour and the next one as RTCP;
    // a few tries cover the race with other binders.
    for _ in 0..32 {
        let probe = UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let port = probe.local_addr()?.port();
        let (rtp_port, keep) = if port % 2 == 0 {
            (port, Some(probe))
        } else {
            (port.wrapping_add(1), None)
        };
        if rtp_port == 0 || rtp_port == u16::MAX {
            continue;
        }
        let rtp = match keep {
            Some(s) => s,
            None => match UdpSocket::bind(SocketAddr::new(ip, rtp_port)).await {
                Ok(s) => s,
                Err(_) => continue,
            },
        };
        if let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(ip, rtp_port + 1)).await {
            return Ok((rtp, rtcp));
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "no free even/odd UDP port pair",
    ))
}

impl LegSockets {
    /// Binds both pairs on `ip`.
    pub async fn bind(ip: IpAddr) -> io::Result<Arc<Self>> {
        let (audio_rtp, audio_rtcp) = bind_pair(ip).await?;
        let (video_rtp, video_rtcp) = bind_pair(ip).await?;
        Ok(Arc::new(Self {
            audio_rtp,
            audio_rtcp,
            video_rtp,
            video_rtcp,
        }))
    }

    /// The addresses to announce.
    pub fn addresses(&self) -> io::Result<MediaAddresses> {
        Ok(MediaAddresses {
            audio: Some(RtpAddress {
                rtp: self.audio_rtp.local_addr()?,
                rtcp: Some(self.audio_rtcp.local_addr()?),
            }),
            video: Some(RtpAddress {
                rtp: self.video_rtp.local_addr()?,
                rtcp: Some(self.video_rtcp.local_addr()?),
            }),
        })
    }
}
