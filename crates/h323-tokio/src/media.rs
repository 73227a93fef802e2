//! The UDP sockets behind the media addresses a call announces: an RTP/RTCP pair (even/odd
//! ports, RFC 3550 section 11) for audio and one for video, from the process's RTP port range
//! (`rtp_sockets`).

use std::io;
use std::net::IpAddr;

use h323::h245::session::{LocalMedia, MediaAddress};
use tokio::net::UdpSocket;

/// One call's media sockets.
#[derive(Debug)]
pub struct MediaSockets {
    /// Audio RTP.
    pub audio_rtp: UdpSocket,
    /// Audio RTCP.
    pub audio_rtcp: UdpSocket,
    /// Video RTP.
    pub video_rtp: UdpSocket,
    /// Video RTCP.
    pub video_rtcp: UdpSocket,
}

impl MediaSockets {
    /// Binds audio and video pairs on `ip`, from the process's RTP port range.
    pub async fn bind(ip: IpAddr) -> io::Result<MediaSockets> {
        let (audio_rtp, audio_rtcp) = rtp_sockets::bind_pair(ip)?;
        let (video_rtp, video_rtcp) = rtp_sockets::bind_pair(ip)?;
        Ok(MediaSockets {
            audio_rtp,
            audio_rtcp,
            video_rtp,
            video_rtcp,
        })
    }

    /// The addresses to announce.
    pub fn local_media(&self) -> io::Result<LocalMedia> {
        Ok(LocalMedia {
            audio: Some(MediaAddress {
                rtp: self.audio_rtp.local_addr()?,
                rtcp: self.audio_rtcp.local_addr()?,
            }),
            video: Some(MediaAddress {
                rtp: self.video_rtp.local_addr()?,
                rtcp: self.video_rtcp.local_addr()?,
            }),
        })
    }
}
