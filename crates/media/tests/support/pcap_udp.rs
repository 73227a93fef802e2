//! A classic libpcap file of UDP datagrams between 127.0.0.1 ports, written so that tshark can
//! judge what a test sends. Shared by the media, MCU and gateway tests (the other crates'
//! include this file by path), so that one writer's framing and checksums serve them all.

use std::path::Path;

/// Builds a classic libpcap file (microsecond timestamps, LINKTYPE_ETHERNET) of UDP datagrams
/// between 127.0.0.1 ports.
#[derive(Default)]
pub struct PcapWriter {
    bytes: Vec<u8>,
    ip_id: u16,
}

fn checksum16(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    for c in data.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

impl PcapWriter {
    /// An empty capture.
    pub fn new() -> Self {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&65_535u32.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        Self { bytes, ip_id: 1 }
    }

    /// Appends one UDP datagram sent at `micros` after the epoch.
    pub fn udp(&mut self, micros: u64, src_port: u16, dst_port: u16, payload: &[u8]) {
        let udp_len = 8 + payload.len();
        let ip_len = 20 + udp_len;
        let mut frame = Vec::with_capacity(14 + ip_len);
        frame.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00]);
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&(ip_len as u16).to_be_bytes());
        ip.extend_from_slice(&self.ip_id.to_be_bytes());
        self.ip_id = self.ip_id.wrapping_add(1);
        ip.extend_from_slice(&[0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        let c = checksum16(&ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(&src_port.to_be_bytes());
        frame.extend_from_slice(&dst_port.to_be_bytes());
        frame.extend_from_slice(&(udp_len as u16).to_be_bytes());
        // UDP checksum over the pseudo-header, header and payload.
        let mut pseudo = vec![127, 0, 0, 1, 127, 0, 0, 1, 0, 17];
        pseudo.extend_from_slice(&(udp_len as u16).to_be_bytes());
        pseudo.extend_from_slice(&frame[34..40]);
        pseudo.extend_from_slice(&[0, 0]);
        pseudo.extend_from_slice(payload);
        let c = match checksum16(&pseudo) {
            0 => 0xffff,
            c => c,
        };
        frame.extend_from_slice(&c.to_be_bytes());
        frame.extend_from_slice(payload);
        self.bytes
            .extend_from_slice(&((micros / 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&((micros % 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(frame.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(&frame);
    }

    /// Writes the file.
    pub fn write(&self, path: &Path) {
        std::fs::write(path, &self.bytes).expect("write pcap");
    }
}
