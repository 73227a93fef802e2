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
#[derive(Debug, Clone, PartialEq, Eq)]
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
