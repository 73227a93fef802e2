//! Q.931 decoding of real third-party captures (/work/shared/pcaps, see its SOURCES.md), judged by
//! tshark.
//!
//! `captures_match_tshark` reassembles every TCP stream on which tshark finds Q.931 with our own
//! TPKT [`Deframer`], decodes every message, and compares message type, call reference, causes,
//! numbers, display, bearer capability and the other typed fields with tshark's `q931.*` fields
//! for the frame that completed the message. It also checks that the committed fixtures under
//! `tests/data/q931/` are exactly what the captures contain (`Q931_WRITE_FIXTURES=1` rewrites
//! them). `fixtures_decode_and_reencode` needs no tool: every fixture decodes and re-encodes
//! byte for byte.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use h323::q931::{InformationElement, Message, Q931Error};
use h323::tpkt::Deframer;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/q931")
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// Skips (returns `None`) only outside CI; under CI a missing prerequisite fails the test.
fn require<T>(what: Option<T>, why: &str) -> Option<T> {
    if what.is_none() {
        assert!(!in_ci(), "{why} (required under CI)");
        println!("SKIP: {why}");
    }
    what
}

fn pcaps_dir() -> Option<PathBuf> {
    let shared = std::env::var_os("CASCADE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    let dir = shared.join("pcaps");
    dir.is_dir().then_some(dir)
}

fn tshark() -> Option<()> {
    let ok = Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success());
    ok.then_some(())
}

fn run_tshark(pcap: &Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(out.status.success(), "tshark {args:?} on {}: {:?}", pcap.display(), out);
    String::from_utf8(out.stdout).expect("tshark prints UTF-8")
}

fn capture_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("pcaps dir readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".pcap") || name.ends_with(".pcapng") || name.ends_with(".raw.gz")
        })
        .collect();
    files.sort();
    files
}

fn stem(pcap: &Path) -> String {
    let name = pcap.file_name().unwrap().to_string_lossy();
    name.split('.').next().unwrap().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A TPKT payload and the frame whose TCP segment completed it.
struct Reassembled {
    frame: u32,
    stream: u32,
    payload: Vec<u8>,
}

/// Reassembles each direction of each TCP stream in `streams` by sequence number (dropping
/// retransmitted and keep-alive octets) and deframes it with our TPKT deframer.
fn reassemble(pcap: &Path, streams: &HashSet<u32>) -> Vec<Reassembled> {
    let segments = run_tshark(
        pcap,
        &[
            "-Y",
            "tcp.len > 0",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.srcport",
            "-e",
            "tcp.seq_raw",
            "-e",
            "tcp.payload",
        ],
    );
    struct Direction {
        next_seq: u32,
        deframer: Deframer,
    }
    let mut directions: HashMap<(u32, u16), Direction> = HashMap::new();
    let mut out = Vec::new();
    for line in segments.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let [frame, stream, port, seq, payload] = cols[..] else { panic!("bad line {line:?}") };
        let stream: u32 = stream.parse().unwrap();
        if !streams.contains(&stream) {
            continue;
        }
        let frame: u32 = frame.parse().unwrap();
        let seq: u32 = seq.parse().unwrap();
        let payload = unhex(payload);
        let dir = directions
            .entry((stream, port.parse().unwrap()))
            .or_insert_with(|| Direction { next_seq: seq, deframer: Deframer::new() });
        // Segments arrive in order in these captures; anything before next_seq was seen already.
        let ahead = seq.wrapping_sub(dir.next_seq) as i32;
        assert!(ahead <= 0, "{}: frame {frame} leaves a gap in stream {stream}", pcap.display());
        let skip = ahead.unsigned_abs() as usize;
        if skip >= payload.len() {
            continue;
        }
        dir.deframer.push(&payload[skip..]);
        dir.next_seq = dir.next_seq.wrapping_add((payload.len() - skip) as u32);
        while let Some(frame_payload) = dir.deframer.next_frame().unwrap_or_else(|e| {
            panic!("{}: frame {frame} stream {stream}: {e}", pcap.display())
        }) {
            out.push(Reassembled { frame, stream, payload: frame_payload });
        }
    }
    out
}

/// tshark fields compared with ours; occurrences within a frame are joined with '|'.
const FIELDS: &[&str] = &[
    "q931.disc",
    "q931.call_ref_flag",
    "q931.call_ref",
    "q931.message_type",
    "q931.cause_value",
    "q931.cause_location",
    "q931.called_party_number.digits",
    "q931.calling_party_number.digits",
    "q931.display_information",
    "q931.keypad_facility",
    "q931.information_transfer_capability",
    "q931.transfer_mode",
    "q931.information_transfer_rate",
    "q931.bearer_capability.rate_multiplier",
    "q931.uil1",
    "q931.call_state",
    "q931.progress_indicator.location",
    "q931.progress_indicator.description",
    "q932.nd",
    "q931.signal",
    "q931.user.protocol_discriminator",
    "q931.number_type",
    "q931.numbering_plan",
    "q931.presentation_ind",
    "q931.screening_ind",
];

/// Our value of each of [`FIELDS`] for one message, as tshark prints it.
fn our_fields(msg: &Message) -> Vec<Vec<String>> {
    let h = |v: u8| format!("{v:#04x}");
    let mut f: Vec<Vec<String>> = vec![Vec::new(); FIELDS.len()];
    let mut put = |name: &str, value: String| {
        let i = FIELDS.iter().position(|n| *n == name).unwrap();
        f[i].push(value);
    };
    put("q931.disc", h(0x08));
    put("q931.call_ref_flag", u8::from(msg.call_reference.from_destination).to_string());
    put("q931.call_ref", format!("{:04x}", msg.call_reference.value));
    put("q931.message_type", h(msg.message_type.code()));
    // tshark reads type/plan/presentation/screening from every number IE; we type only the
    // calling and called numbers, so those four columns are compared only without the others.
    let other_numbers = msg.ies.iter().any(|ie| {
        matches!(ie, InformationElement::Raw(raw)
            if raw.codeset == 0 && matches!(raw.identifier, 0x4C | 0x6C | 0x70 | 0x74 | 0x76))
    });
    for ie in &msg.ies {
        match ie {
            InformationElement::Cause(c) => {
                put("q931.cause_value", c.value.code().to_string());
                put("q931.cause_location", c.location.code().to_string());
            }
            InformationElement::CalledPartyNumber(n) | InformationElement::CallingPartyNumber(n) => {
                let digits = if matches!(ie, InformationElement::CalledPartyNumber(_)) {
                    "q931.called_party_number.digits"
                } else {
                    "q931.calling_party_number.digits"
                };
                put(digits, n.digits.clone());
                if !other_numbers {
                    put("q931.number_type", h(n.type_of_number.code()));
                    put("q931.numbering_plan", h(n.numbering_plan.code()));
                    if let Some((p, s)) = n.presentation {
                        put("q931.presentation_ind", h(p.code()));
                        put("q931.screening_ind", h(s.code()));
                    }
                }
            }
            InformationElement::Display(t) => put("q931.display_information", t.to_string()),
            InformationElement::Keypad(t) => put("q931.keypad_facility", t.to_string()),
            InformationElement::BearerCapability(bc) => {
                put("q931.information_transfer_capability", h(bc.transfer_capability.code()));
                put("q931.transfer_mode", h(bc.transfer_mode.code()));
                put("q931.information_transfer_rate", h(bc.transfer_rate.code()));
                if let h323::q931::TransferRate::Multirate { multiplier } = bc.transfer_rate {
                    put("q931.bearer_capability.rate_multiplier", multiplier.to_string());
                }
                if let Some(l1) = bc.layer1 {
                    put("q931.uil1", h(l1.code()));
                }
            }
            InformationElement::CallState(s) => put("q931.call_state", h(s.value)),
            InformationElement::ProgressIndicator(p) => {
                put("q931.progress_indicator.location", h(p.location.code()));
                put("q931.progress_indicator.description", h(p.description.code()));
            }
            InformationElement::NotificationIndicator(n) => {
                put("q932.nd", h(*n));
            }
            InformationElement::Signal(s) => put("q931.signal", h(*s)),
            InformationElement::UserUser(uu) => {
                put("q931.user.protocol_discriminator", h(uu.protocol_discriminator));
            }
            _ => {}
        }
    }
    if other_numbers {
        for name in ["q931.number_type", "q931.numbering_plan", "q931.presentation_ind", "q931.screening_ind"] {
            let i = FIELDS.iter().position(|n| *n == name).unwrap();
            f[i] = vec!["<not compared>".into()];
        }
    }
    f
}

/// Per capture: the Q.931 payloads as (frame, hex), and the number of frames compared.
fn check_capture(pcap: &Path, report: &mut String) -> Vec<(u32, Vec<u8>)> {
    let mut args = vec!["-Y", "q931", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"];
    args.extend(["-e", "frame.number", "-e", "tcp.stream"]);
    for f in FIELDS {
        args.extend(["-e", f]);
    }
    let tshark_rows = run_tshark(pcap, &args);
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut streams = HashSet::new();
    let mut q931_streams = HashSet::new();
    for line in tshark_rows.lines() {
        let cols: Vec<String> = line.split('\t').map(str::to_owned).collect();
        let frame: u32 = cols[0].parse().unwrap();
        let stream: u32 = cols[1].parse().unwrap();
        streams.insert(stream);
        if cols[2].split('|').any(|d| d == "0x08") {
            q931_streams.insert(stream);
        }
        rows.insert(frame, cols[2..].to_vec());
    }
    let mut by_frame: BTreeMap<u32, Vec<Reassembled>> = BTreeMap::new();
    for r in reassemble(pcap, &streams) {
        by_frame.entry(r.frame).or_default().push(r);
    }
    let name = stem(pcap);
    let mut fixtures = Vec::new();
    let (mut compared, mut rejected) = (0, 0);
    for (frame, tshark_cols) in &rows {
        let ours = by_frame.remove(frame).unwrap_or_default();
        assert!(!ours.is_empty(), "{name}: tshark finds Q.931 in frame {frame}, we find no TPKT frame");
        if tshark_cols[0] != "0x08" {
            // tshark's TPKT heuristic also hands H.245 to Q.931 (discriminator 0x03, maintenance):
            // we must refuse those.
            for r in &ours {
                let err = Message::decode(&r.payload).unwrap_err();
                assert!(
                    matches!(err, Q931Error::ProtocolDiscriminator { offset: 0, .. }),
                    "{name} frame {frame}: {err}"
                );
                rejected += 1;
            }
            continue;
        }
        let mut joined: Vec<Vec<String>> = vec![Vec::new(); FIELDS.len()];
        for r in &ours {
            let msg = Message::decode(&r.payload)
                .unwrap_or_else(|e| panic!("{name} frame {frame}: {e}\n{}", hex(&r.payload)));
            for (all, one) in joined.iter_mut().zip(our_fields(&msg)) {
                all.extend(one);
            }
            fixtures.push((*frame, r.payload.clone()));
            compared += 1;
        }
        for (i, field) in FIELDS.iter().enumerate() {
            let ours = joined[i].join("|");
            if ours.contains("<not compared>") {
                continue;
            }
            assert_eq!(ours, tshark_cols[i], "{name} frame {frame}: {field}");
        }
    }
    // On call-signalling streams every TPKT frame must be a message tshark also saw.
    for (frame, rest) in by_frame {
        for r in rest {
            assert!(
                !q931_streams.contains(&r.stream),
                "{name}: frame {frame} holds a TPKT frame on a Q.931 stream that tshark does not show"
            );
        }
    }
    let _ = writeln!(
        report,
        "{name}: {compared} Q.931 messages equal to tshark, {rejected} non-Q.931 TPKT frames refused"
    );
    fixtures
}

fn fixture_text(pcap: &Path, messages: &[(u32, Vec<u8>)]) -> String {
    let mut text = format!(
        "# Q.931 messages of {} (frame number, then the TPKT payload in hex); see README.md.\n",
        pcap.file_name().unwrap().to_string_lossy()
    );
    for (frame, payload) in messages {
        let _ = writeln!(text, "{frame}\t{}", hex(payload));
    }
    text
}

#[test]
fn captures_match_tshark() {
    let Some(dir) = require(pcaps_dir(), "shared pcaps dir not found (set CASCADE_SHARED)") else {
        return;
    };
    if require(tshark(), "tshark not installed").is_none() {
        return;
    }
    let write = std::env::var_os("Q931_WRITE_FIXTURES").is_some();
    let mut report = String::new();
    let mut total = 0;
    for pcap in capture_files(&dir) {
        let messages = check_capture(&pcap, &mut report);
        total += messages.len();
        let path = fixtures_dir().join(format!("{}.hex", stem(&pcap)));
        let text = fixture_text(&pcap, &messages);
        if write {
            std::fs::create_dir_all(fixtures_dir()).unwrap();
            std::fs::write(&path, text).unwrap();
        } else if !messages.is_empty() {
            let committed = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}; run with Q931_WRITE_FIXTURES=1", path.display()));
            assert_eq!(committed, text, "{} is stale", path.display());
        }
    }
    println!("{report}total: {total} Q.931 messages");
    assert!(total > 100, "expected the captures to hold over 100 Q.931 messages, found {total}");
}

#[test]
fn fixtures_decode_and_reencode() {
    let mut count = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/data/q931 exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hex"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let (frame, payload) = line.split_once('\t').expect("frame<TAB>hex");
            let bytes = unhex(payload);
            let msg = Message::decode(&bytes)
                .unwrap_or_else(|e| panic!("{} frame {frame}: {e}", path.display()));
            assert_eq!(
                hex(&msg.encode()),
                payload,
                "{} frame {frame} does not re-encode byte for byte: {msg:#?}",
                path.display()
            );
            count += 1;
        }
    }
    assert!(count > 100, "expected over 100 fixture messages, found {count}");
}
