//! Test support shared by the integration tests: locating tshark and the shared captures, a
//! minimal libpcap writer (Ethernet/IPv4/UDP on 127.0.0.1) and reader. Written by hand because
//! the format is a few dozen lines and the oracle should not share code with a pcap crate we
//! might also use in production.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared directory: `$CASCADE_SHARED`, else `<repo root>/../shared`.
pub fn shared_dir() -> PathBuf {
    std::env::var_os("CASCADE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"))
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Whether tshark runs. Missing tshark is a SKIP locally and a failure under CI.
pub fn have_tshark(test: &str) -> bool {
    let ok = Command::new("tshark")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(!in_ci(), "{test}: tshark is required under CI");
        println!("SKIP: {test}: tshark not installed");
    }
    ok
}

/// A shared capture file; missing is a SKIP locally and a failure under CI.
pub fn shared_capture(test: &str, name: &str) -> Option<PathBuf> {
    let p = shared_dir().join("pcaps").join(name);
    if p.exists() {
        return Some(p);
    }
    assert!(!in_ci(), "{test}: {} is required under CI", p.display());
    println!("SKIP: {test}: {} not found", p.display());
    None
}

/// Runs tshark on `file` with extra arguments and `-T fields` for `fields`; one row per packet,
/// columns split on '|'. Panics (test failure) if tshark exits with an error.
pub fn tshark_fields(file: &Path, args: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(file)
        .args(args)
        .args(["-T", "fields", "-E", "separator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}

/// Runs tshark with a display filter and returns its one-line summaries (for "prints nothing").
pub fn tshark_filter(file: &Path, args: &[&str], filter: &str) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(file)
        .args(args)
        .args(["-Y", filter])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A temporary file path unique to this test process.
pub fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("cascade-media-{}-{name}", std::process::id()))
}

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

    pub fn write(&self, path: &Path) {
        std::fs::write(path, &self.bytes).expect("write pcap");
    }
}

/// One UDP datagram from a capture.
#[derive(Debug, Clone)]
pub struct Datagram {
    /// 1-based frame number, as tshark counts.
    pub frame: usize,
    /// Capture time in nanoseconds since the epoch.
    pub nanos: u64,
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: Vec<u8>,
}

/// Reads the UDP-over-IPv4 datagrams of a classic pcap file (gzip-compressed or not) with
/// Ethernet, raw IP or Linux cooked link layers.
pub fn read_udp(path: &Path) -> Vec<Datagram> {
    let raw = std::fs::read(path).expect("read capture");
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .expect("gunzip");
        out
    } else {
        raw
    };
    let magic = u32::from_le_bytes(bytes[0..4].try_into().unwrap());
    let (le, nanos_res) = match magic {
        0xa1b2_c3d4 => (true, false),
        0xa1b2_3c4d => (true, true),
        0xd4c3_b2a1 => (false, false),
        0x4d3c_b2a1 => (false, true),
        m => panic!("not a classic pcap file (magic {m:#x})"),
    };
    let u32_at = |b: &[u8], at: usize| {
        let a: [u8; 4] = b[at..at + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let link = u32_at(&bytes, 20);
    let mut at = 24;
    let mut frame = 0;
    let mut out = Vec::new();
    while at + 16 <= bytes.len() {
        let secs = u64::from(u32_at(&bytes, at));
        let frac = u64::from(u32_at(&bytes, at + 4));
        let incl = u32_at(&bytes, at + 8) as usize;
        let data = &bytes[at + 16..(at + 16 + incl).min(bytes.len())];
        at += 16 + incl;
        frame += 1;
        let nanos = secs * 1_000_000_000 + if nanos_res { frac } else { frac * 1000 };
        let ip = match link {
            1 if data.len() >= 14 && data[12..14] == [0x08, 0x00] => &data[14..],
            101 => data,
            113 if data.len() >= 16 && data[14..16] == [0x08, 0x00] => &data[16..],
            _ => continue,
        };
        if ip.len() < 20 || ip[0] >> 4 != 4 || ip[9] != 17 {
            continue;
        }
        let ihl = usize::from(ip[0] & 0x0f) * 4;
        let total = usize::from(u16::from_be_bytes([ip[2], ip[3]])).min(ip.len());
        if total < ihl + 8 {
            continue;
        }
        let udp = &ip[ihl..total];
        let len = usize::from(u16::from_be_bytes([udp[4], udp[5]])).min(udp.len());
        out.push(Datagram {
            frame,
            nanos,
            src_port: u16::from_be_bytes([udp[0], udp[1]]),
            dst_port: u16::from_be_bytes([udp[2], udp[3]]),
            payload: udp[8..len.max(8)].to_vec(),
        });
    }
    out
}
