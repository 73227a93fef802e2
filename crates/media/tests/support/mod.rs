//! Test support shared by the integration tests: locating tshark and the shared captures, a
//! minimal libpcap writer (Ethernet/IPv4/UDP on 127.0.0.1, `pcap_udp`) and reader. Written by
//! hand because the format is a few dozen lines and the oracle should not share code with a
//! pcap crate we might also use in production.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

mod pcap_udp;
#[allow(unused_imports)] // not every test binary writes captures
pub use pcap_udp::PcapWriter;

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
