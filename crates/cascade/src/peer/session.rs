//! One RTP session of the peer (audio or video): its two sockets, where the far end receives,
//! our SSRC and sequence numbers, RFC 3550 statistics both ways, and the RTCP it sends (SR/RR
//! with SDES every few seconds, PLI on demand, BYE at the end) and takes in.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use media::rtcp::{self, Bye, NtpTime, Pli, ReceiverReport, RtcpPacket};
use media::rtp::{ClockRate, RtpPacket};
use media::stats::{self, ReceiverStats, SenderStats};
use serde::Serialize;
use tokio::net::UdpSocket;

/// Where the far end of a session receives, and the payload type it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    /// RTP.
    pub rtp: SocketAddr,
    /// RTCP.
    pub rtcp: SocketAddr,
    /// RTP payload type to send.
    pub payload_type: u8,
}

/// A session's two sockets (bound by the caller, announced to the far end).
#[derive(Debug, Clone)]
pub struct Sockets {
    /// RTP: we receive on it and send from it (symmetric RTP).
    pub rtp: Arc<UdpSocket>,
    /// RTCP, on the RTP port + 1.
    pub rtcp: Arc<UdpSocket>,
}

/// Figures for one direction of one stream, as the report prints them.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    /// RTP packets.
    pub packets: u64,
    /// RTP payload bytes.
    pub bytes: u64,
    /// Packets lost (RFC 3550 A.3 cumulative; receive side only).
    pub lost: i64,
    /// Interarrival jitter in milliseconds (receive side only).
    pub jitter_ms: f64,
    /// The SSRC: ours when sending, the far end's when receiving.
    pub ssrc: u32,
}

/// The RTP/RTCP state of one session.
#[derive(Debug)]
pub struct Session {
    pub sockets: Sockets,
    pub remote: Option<Remote>,
    pub ssrc: u32,
    cname: String,
    seq: u16,
    sender: SenderStats,
    receiver: Option<ReceiverStats>,
    rate: ClockRate,
    sent_bytes: u64,
    recv_packets: u64,
    recv_bytes: u64,
}

impl Session {
    pub fn new(sockets: Sockets, rate: ClockRate, ssrc: u32, first_seq: u16, cname: &str) -> Self {
        Self {
            sockets,
            remote: None,
            ssrc,
            cname: cname.to_owned(),
            seq: first_seq,
            sender: SenderStats::new(ssrc, rate),
            receiver: None,
            rate,
            sent_bytes: 0,
            recv_packets: 0,
            recv_bytes: 0,
        }
    }

    /// The next sequence number to use.
    pub fn next_seq(&mut self) -> u16 {
        let s = self.seq;
        self.seq = self.seq.wrapping_add(1);
        s
    }

    /// Sends one serialized RTP packet (timestamp and payload size for the SR).
    pub async fn send_rtp(&mut self, now: Instant, packet: &[u8], timestamp: u32, payload: usize) {
        let Some(remote) = self.remote else { return };
        if self.sockets.rtp.send_to(packet, remote.rtp).await.is_ok() {
            self.sender.on_sent(now, timestamp, payload);
            self.sent_bytes += payload as u64;
        }
    }

    /// Accounts for a received RTP packet; a new SSRC restarts the statistics (the far end
    /// restarted or switched source).
    pub fn on_rtp(&mut self, now: Instant, p: &RtpPacket<'_>) {
        ReceiverStats::for_source(&mut self.receiver, p.ssrc, self.rate).on_packet(
            now,
            p.sequence,
            p.timestamp,
        );
        self.recv_packets += 1;
        self.recv_bytes += p.payload.len() as u64;
    }

    /// The far end's SSRC, once it sent something.
    pub fn remote_ssrc(&self) -> Option<u32> {
        self.receiver.as_ref().map(ReceiverStats::ssrc)
    }

    /// Parses an RTCP datagram, notes SRs for our report blocks, and returns the packets.
    pub fn on_rtcp(&mut self, now: Instant, bytes: &[u8]) -> Vec<RtcpPacket> {
        let Ok(packets) = rtcp::parse_compound(bytes) else {
            return Vec::new();
        };
        for p in &packets {
            if let RtcpPacket::SenderReport(sr) = p {
                if let Some(r) = self.receiver.as_mut() {
                    r.on_sender_report(now, sr);
                }
            }
        }
        packets
    }

    fn report(&mut self, now: Instant) -> Vec<RtcpPacket> {
        let mut receivers: Vec<ReceiverStats> = self.receiver.take().into_iter().collect();
        let packets = stats::report(
            now,
            NtpTime::from_system_time(SystemTime::now()),
            self.ssrc,
            &self.cname,
            Some(&self.sender),
            &mut receivers,
        );
        self.receiver = receivers.pop();
        packets
    }

    async fn send_rtcp(&self, packets: &[RtcpPacket]) {
        let Some(remote) = self.remote else { return };
        if let Ok(bytes) = rtcp::build_compound(packets) {
            let _ = self.sockets.rtcp.send_to(&bytes, remote.rtcp).await;
        }
    }

    /// The periodic SR (or RR before we sent anything) with SDES CNAME.
    pub async fn send_report(&mut self, now: Instant) {
        let packets = self.report(now);
        self.send_rtcp(&packets).await;
    }

    /// The last report and a BYE (RFC 3550 §6.6), when the session ends.
    pub async fn send_bye(&mut self, now: Instant) {
        let mut packets = self.report(now);
        packets.push(RtcpPacket::Bye(Bye {
            sources: vec![self.ssrc],
            reason: Some(b"peer leaving".to_vec()),
        }));
        self.send_rtcp(&packets).await;
    }

    /// A picture loss indication about the far end's video, in a compound packet behind an
    /// empty RR as RFC 4585 §3.1 asks.
    pub async fn send_pli(&mut self) {
        let packets = [
            RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: self.ssrc,
                reports: Vec::new(),
            }),
            RtcpPacket::Pli(Pli {
                sender_ssrc: self.ssrc,
                media_ssrc: self.remote_ssrc().unwrap_or(0),
            }),
        ];
        self.send_rtcp(&packets).await;
    }

    /// What we sent.
    pub fn sent(&self) -> Counts {
        Counts {
            packets: u64::from(self.sender.packets()),
            bytes: self.sent_bytes,
            lost: 0,
            jitter_ms: 0.0,
            ssrc: self.ssrc,
        }
    }

    /// What we received.
    pub fn received(&self) -> Counts {
        let (lost, jitter_ms, ssrc) = self.receiver.as_ref().map_or((0, 0.0, 0), |r| {
            (
                if r.is_valid() { r.cumulative_lost() } else { 0 },
                r.jitter_duration().as_secs_f64() * 1000.0,
                r.ssrc(),
            )
        });
        Counts {
            packets: self.recv_packets,
            bytes: self.recv_bytes,
            lost,
            jitter_ms,
            ssrc,
        }
    }
}
