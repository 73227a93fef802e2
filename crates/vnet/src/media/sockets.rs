//! The UDP sockets of one VN media leg (a terminal or a cascade): an RTP/RTCP pair (even/odd
//! ports, RFC 3550 §11) for audio and one for video, from the process's RTP port range
//! (`rtp_sockets`, which `h323_tokio::MediaSockets` binds from too).

use std::io;
use std::net::IpAddr;
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

impl LegSockets {
    /// Binds both pairs on `ip`.
    pub async fn bind(ip: IpAddr) -> io::Result<Arc<Self>> {
        let (audio_rtp, audio_rtcp) = rtp_sockets::bind_pair(ip)?;
        let (video_rtp, video_rtcp) = rtp_sockets::bind_pair(ip)?;
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
