//! Helpers shared by the `decode_*` integration tests: where the captures are, running the built
//! `cascade decode --json`, and reading tshark's verdicts (the independent oracle) from PDML.
#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The shared directory: `$CASCADE_SHARED`, else `<repo root>/../shared`.
pub fn shared_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CASCADE_SHARED") {
        return PathBuf::from(d);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    repo.join("../shared")
}

/// The real captures, sorted by name.
pub fn captures() -> Vec<PathBuf> {
    let dir = shared_dir().join("pcaps");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.ends_with(".pcap") || n.ends_with(".pcapng") || n.ends_with(".gz")
        })
        .collect();
    v.sort();
    v
}

/// Runs `cascade` with `args`; returns (exit success, stdout, stderr).
pub fn cascade(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cascade"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run cascade");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `cascade decode --json FILE`, parsed; panics if it fails or prints a non-JSON line.
pub fn decode_json(file: &Path) -> Vec<Value> {
    let (ok, stdout, stderr) = cascade(&["decode".as_ref(), "--json".as_ref(), file.as_os_str()]);
    assert!(
        ok,
        "cascade decode --json {} failed: {stderr}",
        file.display()
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// True when tshark can be run. When it cannot: under CI that is a failure, elsewhere the
/// caller prints SKIP and passes.
pub fn tshark_available(test: &str) -> bool {
    let found = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: tshark is required under CI but was not found"
        );
        println!("SKIP: {test}: tshark not installed");
    }
    found
}

/// One message as tshark names it.
#[derive(Debug, Clone, PartialEq)]
pub struct TsharkMessage {
    /// Frame number.
    pub frame: u64,
    /// `h225`, `ras` or `h245`.
    pub protocol: String,
    /// The choice name from the field's showname (`setup`, `terminalCapabilitySet`, ...), or
    /// `None` when tshark found the protocol but no message choice.
    pub message: Option<String>,
    /// tshark marked the frame malformed.
    pub malformed: bool,
    /// `frame.time_relative`, in seconds.
    pub time: f64,
    /// Sender as `ip:port` (`[ip]:port` for IPv6).
    pub src: String,
    /// Receiver likewise.
    pub dst: String,
}

/// The `-d tcp.port==N,h245` hints SOURCES.md gives for `file` (from the bullet naming it).
pub fn h245_hints(file: &Path) -> Vec<u16> {
    let sources =
        std::fs::read_to_string(shared_dir().join("pcaps/SOURCES.md")).unwrap_or_default();
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.split('.').next().unwrap_or(name);
    let mut ports = Vec::new();
    for bullet in sources.split("\n- ") {
        if !bullet.contains(stem) {
            continue;
        }
        let mut rest = bullet;
        while let Some(i) = rest.find("tcp.port==") {
            rest = &rest[i + "tcp.port==".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if rest[digits.len()..].starts_with(",h245") {
                if let Ok(p) = digits.parse() {
                    ports.push(p);
                }
            }
        }
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// Every H.225.0 CS, RAS and H.245 message tshark finds in `file`, in frame and then document
/// order, with the `-d` hints given.
pub fn tshark_messages(file: &Path, h245_ports: &[u16]) -> Vec<TsharkMessage> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(file)
        .args(["-Y", "h225 || h245", "-T", "pdml"]);
    for p in h245_ports {
        cmd.args(["-d", &format!("tcp.port=={p},h245")]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "tshark failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let xml = String::from_utf8_lossy(&out.stdout);
    let doc = roxmltree::Document::parse(&xml).expect("tshark PDML parses");
    let mut found = Vec::new();
    for packet in doc
        .root_element()
        .children()
        .filter(|n| n.has_tag_name("packet"))
    {
        let frame = packet
            .descendants()
            .find(|n| n.attribute("name") == Some("frame.number"))
            .and_then(|n| n.attribute("show"))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let malformed = packet
            .descendants()
            .any(|n| n.attribute("name") == Some("_ws.malformed"));
        let field = |name: &str| {
            packet
                .descendants()
                .find(|n| n.attribute("name") == Some(name))
                .and_then(|n| n.attribute("show"))
                .map(str::to_owned)
        };
        let time = field("frame.time_relative")
            .and_then(|t| t.parse().ok())
            .unwrap_or(f64::NAN);
        let endpoint = |ip4: &str, ip6: &str, tcp: &str, udp: &str| {
            let port = field(tcp).or_else(|| field(udp)).unwrap_or_default();
            match (field(ip4), field(ip6)) {
                (Some(ip), _) => format!("{ip}:{port}"),
                (None, Some(ip)) => format!("[{ip}]:{port}"),
                _ => String::new(),
            }
        };
        let src = endpoint("ip.src", "ipv6.src", "tcp.srcport", "udp.srcport");
        let dst = endpoint("ip.dst", "ipv6.dst", "tcp.dstport", "udp.dstport");
        for proto in packet.descendants().filter(|n| n.has_tag_name("proto")) {
            let which = match proto.attribute("name") {
                Some("h225") => &["h225.h323_message_body", "h225.RasMessage"][..],
                Some("h245") => &[
                    "h245.request",
                    "h245.response",
                    "h245.command",
                    "h245.indication",
                ][..],
                _ => continue,
            };
            // The message's own choice field is the first of these in its subtree, not inside a
            // nested protocol (tunnelled H.245 is its own proto element).
            let field = own_descendants(proto)
                .find(|n| n.attribute("name").is_some_and(|a| which.contains(&a)));
            let is_ras = proto
                .attribute("showname")
                .is_some_and(|s| s.contains("RAS"))
                || field.is_some_and(|f| f.attribute("name") == Some("h225.RasMessage"));
            let protocol = match proto.attribute("name") {
                Some("h245") => "h245",
                _ if is_ras => "ras",
                _ => "h225",
            };
            let message = field
                .and_then(|f| f.attribute("showname"))
                .and_then(|s| s.split_once(": "))
                .map(|(_, v)| v.split(" (").next().unwrap_or(v).trim().to_string());
            found.push(TsharkMessage {
                frame,
                protocol: protocol.into(),
                message,
                malformed,
                time,
                src: src.clone(),
                dst: dst.clone(),
            });
        }
    }
    found
}

/// Descendants of `node` that are not inside a nested `proto` element.
fn own_descendants<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    let mut stack: Vec<_> = node.children().collect();
    stack.reverse();
    std::iter::from_fn(move || {
        let n = stack.pop()?;
        if !n.has_tag_name("proto") {
            let mut kids: Vec<_> = n.children().collect();
            kids.reverse();
            stack.extend(kids);
        }
        Some(n)
    })
    .filter(|n| !n.has_tag_name("proto"))
}

/// Real PDUs copied from the captures, as tshark shows them (`-T fields -e tcp.payload`), so
/// the built captures' expected messages are tshark's verdicts on the originals.
pub mod real {
    /// wireshark-rtp_example frame 4: TPKT + Q.931 SETUP + H.225.0 setup (tshark: "CS: setup").
    pub const SETUP: &str = "030000a0080277f40504038090a528086d2e6a656d6563007e00850520a8060008914a0004014006006d002e006a0065006d0065006322c00900003d1443616c6c67656e33323320706f67616373616d00000a302e39616c706861340000000a01061206b800f8fdf93ecd9ed6119ab2000476222017005d0d8007000a01038f80231100c0fef93ecd9ed6119ab2000476222017010001000100010002800100";
    /// Frame 6: callProceeding.
    pub const CALL_PROCEEDING: &str = "030000400802f7f4027e0034052180060008914a000322c0000000000333313069005200f0c01100c0fef93ecd9ed6119ab20004762220170100010008800100";
    /// Frame 8: alerting.
    pub const ALERTING: &str = "030000400802f7f4017e0034052380060008914a000322c000000000033331306900520150c01100c0fef93ecd9ed6119ab20004762220170100010008800100";
    /// Frame 15: TPKT + H.245 terminalCapabilitySet.
    pub const TCS: &str = "0300001c0230010600088175000500801bc520401d00800000001bc5";
    /// Frame 17: TPKT + H.245 masterSlaveDetermination.
    pub const MSD: &str = "0300000b01000080924fd5";
    /// ndpi-h323 frame 60: RAS gatekeeperConfirm (UDP payload).
    pub const GCF: &str = "04800000060008914a00043e004f00700065006e004800330032003300200047006100740065006b006500650070006500720020006f006e0020006d0066006f007400740065006b0069006e00110200a106b7";
}

/// Hex to bytes.
pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A classic pcap (microsecond, Ethernet) written byte by byte.
pub struct Pcap {
    bytes: Vec<u8>,
    frames: u64,
}

impl Default for Pcap {
    fn default() -> Self {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&4u16.to_le_bytes());
        bytes.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        bytes.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        bytes.extend_from_slice(&65_535u32.to_le_bytes()); // snaplen
        bytes.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        Self { bytes, frames: 0 }
    }
}

/// TCP flags.
pub const SYN: u8 = 0x02;
/// ACK flag.
pub const ACK: u8 = 0x10;
/// PSH|ACK.
pub const PSH_ACK: u8 = 0x18;

impl Pcap {
    /// Appends one Ethernet frame; returns its frame number. Frames are 10 ms apart.
    pub fn frame(&mut self, l3: &[u8], ethertype: u16) -> u64 {
        self.frames += 1;
        let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
        f.extend_from_slice(&ethertype.to_be_bytes());
        f.extend_from_slice(l3);
        let t_us = 1_700_000_000_000_000u64 + self.frames * 10_000;
        self.bytes
            .extend_from_slice(&((t_us / 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&((t_us % 1_000_000) as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.bytes
            .extend_from_slice(&(f.len() as u32).to_le_bytes());
        self.bytes.extend_from_slice(&f);
        self.frames
    }

    /// An IPv4/TCP segment.
    pub fn tcp(
        &mut self,
        src: std::net::SocketAddrV4,
        dst: std::net::SocketAddrV4,
        seq: u32,
        flags: u8,
        payload: &[u8],
    ) -> u64 {
        let mut tcp = Vec::new();
        tcp.extend_from_slice(&src.port().to_be_bytes());
        tcp.extend_from_slice(&dst.port().to_be_bytes());
        tcp.extend_from_slice(&seq.to_be_bytes());
        tcp.extend_from_slice(&0u32.to_be_bytes()); // ack number: not read by the decoder
        tcp.extend_from_slice(&[5 << 4, flags]);
        tcp.extend_from_slice(&65_535u16.to_be_bytes());
        tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent
        tcp.extend_from_slice(payload);
        let sum = l4_checksum(&src.ip().octets(), &dst.ip().octets(), 6, &tcp);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());
        let ip = ipv4(src.ip(), dst.ip(), 6, &tcp);
        self.frame(&ip, 0x0800)
    }

    /// An IPv4/UDP datagram.
    pub fn udp(
        &mut self,
        src: std::net::SocketAddrV4,
        dst: std::net::SocketAddrV4,
        payload: &[u8],
    ) -> u64 {
        let udp = udp_header(src.port(), dst.port(), payload);
        let ip = ipv4(src.ip(), dst.ip(), 17, &udp);
        self.frame(&ip, 0x0800)
    }

    /// An IPv6/UDP datagram.
    pub fn udp6(
        &mut self,
        src: std::net::SocketAddrV6,
        dst: std::net::SocketAddrV6,
        payload: &[u8],
    ) -> u64 {
        let udp = udp_header(src.port(), dst.port(), payload);
        let mut ip = vec![0x60, 0, 0, 0];
        ip.extend_from_slice(&(udp.len() as u16).to_be_bytes());
        ip.extend_from_slice(&[17, 64]);
        ip.extend_from_slice(&src.ip().octets());
        ip.extend_from_slice(&dst.ip().octets());
        ip.extend_from_slice(&udp);
        self.frame(&ip, 0x86dd)
    }

    /// Writes the file into a fresh temporary directory and returns its path.
    pub fn write(&self, name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cascade-decode-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(format!("{name}.pcap"));
        std::fs::write(&path, &self.bytes).expect("write pcap");
        path
    }
}

fn udp_header(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut udp = Vec::new();
    udp.extend_from_slice(&sport.to_be_bytes());
    udp.extend_from_slice(&dport.to_be_bytes());
    udp.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    udp.extend_from_slice(&[0, 0]); // no checksum (allowed for IPv4; the decoder does not check)
    udp.extend_from_slice(payload);
    udp
}

fn ipv4(src: &std::net::Ipv4Addr, dst: &std::net::Ipv4Addr, proto: u8, l4: &[u8]) -> Vec<u8> {
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&((20 + l4.len()) as u16).to_be_bytes());
    ip.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    let sum = ones_complement(&ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(l4);
    ip
}

fn l4_checksum(src: &[u8], dst: &[u8], proto: u8, l4: &[u8]) -> u16 {
    let mut pseudo = Vec::new();
    pseudo.extend_from_slice(src);
    pseudo.extend_from_slice(dst);
    pseudo.extend_from_slice(&[0, proto]);
    pseudo.extend_from_slice(&(l4.len() as u16).to_be_bytes());
    pseudo.extend_from_slice(l4);
    ones_complement(&pseudo)
}

fn ones_complement(b: &[u8]) -> u16 {
    let mut sum: u32 = b
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// (frame, protocol, message) of each JSON line.
pub fn keys(msgs: &[Value]) -> Vec<(u64, String, String)> {
    msgs.iter()
        .map(|m| {
            (
                m["frame"].as_u64().unwrap_or(0),
                m["protocol"].as_str().unwrap_or("").to_string(),
                m["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}
