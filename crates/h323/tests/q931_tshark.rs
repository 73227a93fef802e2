//! Q.931 judged by tshark, in both directions.
//!
//! Real bytes → our decoder: `captures_match_tshark` reassembles every TCP stream of the shared
//! third-party captures (/work/shared/pcaps, see its SOURCES.md) on which tshark finds Q.931 with
//! our own TPKT [`Deframer`], decodes every message, and compares message type, call reference,
//! causes, numbers, display, bearer capability and the other typed fields with tshark's `q931.*`
//! fields for the frame that completed the message. It also checks that the committed fixtures
//! under `tests/data/q931/` are exactly what the captures contain (`Q931_WRITE_FIXTURES=1`
//! rewrites them). `fixtures_decode_and_reencode` needs no tool: every fixture decodes and
//! re-encodes byte for byte.
//!
//! Our encoder → tshark: `our_messages_pass_tshark` encodes messages of every type, writes them in
//! TPKT frames on a TCP connection to 127.0.0.1:1720 in a pcap file, and requires tshark to find
//! nothing malformed and no expert info of warning level or above, and to read back the field
//! values we encoded.

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
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(())
}

fn run_tshark(pcap: &Path, args: &[&str]) -> String {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(pcap)
        .args(args)
        .output()
        .expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark {args:?} on {}: {:?}",
        pcap.display(),
        out
    );
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
        let [frame, stream, port, seq, payload] = cols[..] else {
            panic!("bad line {line:?}")
        };
        let stream: u32 = stream.parse().unwrap();
        if !streams.contains(&stream) {
            continue;
        }
        let frame: u32 = frame.parse().unwrap();
        let seq: u32 = seq.parse().unwrap();
        let payload = unhex(payload);
        let dir = directions
            .entry((stream, port.parse().unwrap()))
            .or_insert_with(|| Direction {
                next_seq: seq,
                deframer: Deframer::new(),
            });
        // Segments arrive in order in these captures; anything before next_seq was seen already.
        let ahead = seq.wrapping_sub(dir.next_seq) as i32;
        assert!(
            ahead <= 0,
            "{}: frame {frame} leaves a gap in stream {stream}",
            pcap.display()
        );
        let skip = ahead.unsigned_abs() as usize;
        if skip >= payload.len() {
            continue;
        }
        dir.deframer.push(&payload[skip..]);
        dir.next_seq = dir.next_seq.wrapping_add((payload.len() - skip) as u32);
        while let Some(frame_payload) = dir
            .deframer
            .next_frame()
            .unwrap_or_else(|e| panic!("{}: frame {frame} stream {stream}: {e}", pcap.display()))
        {
            out.push(Reassembled {
                frame,
                stream,
                payload: frame_payload,
            });
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
    put(
        "q931.call_ref_flag",
        u8::from(msg.call_reference.from_destination).to_string(),
    );
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
            InformationElement::CalledPartyNumber(n)
            | InformationElement::CallingPartyNumber(n) => {
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
                put(
                    "q931.information_transfer_capability",
                    h(bc.transfer_capability.code()),
                );
                put("q931.transfer_mode", h(bc.transfer_mode.code()));
                put("q931.information_transfer_rate", h(bc.transfer_rate.code()));
                if let h323::q931::TransferRate::Multirate { multiplier } = bc.transfer_rate {
                    put(
                        "q931.bearer_capability.rate_multiplier",
                        multiplier.to_string(),
                    );
                }
                if let Some(l1) = bc.layer1 {
                    put("q931.uil1", h(l1.code()));
                }
            }
            InformationElement::CallState(s) => put("q931.call_state", h(s.value)),
            InformationElement::ProgressIndicator(p) => {
                put("q931.progress_indicator.location", h(p.location.code()));
                put(
                    "q931.progress_indicator.description",
                    h(p.description.code()),
                );
            }
            InformationElement::NotificationIndicator(n) => {
                put("q932.nd", h(*n));
            }
            InformationElement::Signal(s) => put("q931.signal", h(*s)),
            InformationElement::UserUser(uu) => {
                put(
                    "q931.user.protocol_discriminator",
                    h(uu.protocol_discriminator),
                );
            }
            _ => {}
        }
    }
    if other_numbers {
        for name in [
            "q931.number_type",
            "q931.numbering_plan",
            "q931.presentation_ind",
            "q931.screening_ind",
        ] {
            let i = FIELDS.iter().position(|n| *n == name).unwrap();
            f[i] = vec!["<not compared>".into()];
        }
    }
    f
}

/// tshark's [`FIELDS`] for each frame matching `filter`: frame number → (TCP stream, values).
fn tshark_fields(pcap: &Path, filter: &str) -> BTreeMap<u32, (u32, Vec<String>)> {
    let mut args = vec![
        "-Y",
        filter,
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
    ];
    args.extend(["-e", "frame.number", "-e", "tcp.stream"]);
    for f in FIELDS {
        args.extend(["-e", f]);
    }
    run_tshark(pcap, &args)
        .lines()
        .map(|line| {
            let cols: Vec<String> = line.split('\t').map(str::to_owned).collect();
            (
                cols[0].parse().unwrap(),
                (cols[1].parse().unwrap(), cols[2..].to_vec()),
            )
        })
        .collect()
}

/// Per capture: the Q.931 payloads as (frame, hex), and the number of frames compared.
fn check_capture(pcap: &Path, report: &mut String) -> Vec<(u32, Vec<u8>)> {
    let rows = tshark_fields(pcap, "q931");
    let mut streams = HashSet::new();
    let mut q931_streams = HashSet::new();
    for (stream, cols) in rows.values() {
        streams.insert(*stream);
        if cols[0].split('|').any(|d| d == "0x08") {
            q931_streams.insert(*stream);
        }
    }
    let mut by_frame: BTreeMap<u32, Vec<Reassembled>> = BTreeMap::new();
    for r in reassemble(pcap, &streams) {
        by_frame.entry(r.frame).or_default().push(r);
    }
    let name = stem(pcap);
    let mut fixtures = Vec::new();
    let (mut compared, mut rejected) = (0, 0);
    for (frame, (_, tshark_cols)) in &rows {
        let ours = by_frame.remove(frame).unwrap_or_default();
        assert!(
            !ours.is_empty(),
            "{name}: tshark finds Q.931 in frame {frame}, we find no TPKT frame"
        );
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
    let Some(dir) = require(
        pcaps_dir(),
        "shared pcaps dir not found (set CASCADE_SHARED)",
    ) else {
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
            let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("{}: {e}; run with Q931_WRITE_FIXTURES=1", path.display())
            });
            assert_eq!(committed, text, "{} is stale", path.display());
        }
    }
    println!("{report}total: {total} Q.931 messages");
    assert!(
        total > 100,
        "expected the captures to hold over 100 Q.931 messages, found {total}"
    );
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
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
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
    assert!(
        count > 100,
        "expected over 100 fixture messages, found {count}"
    );
}

// ---------------------------------------------------------------------------------------------
// Our encoder judged by tshark.

use h323::asn::h225::{
    CallIdentifier, GloballyUniqueID, H323UUPDUH323MessageBody as Body, H323UserInformation,
    InformationUUIE, ProtocolIdentifier, SetupAcknowledgeUUIE, StatusInquiryUUIE, StatusUUIE,
    H323UUPDU,
};
use h323::q931::{
    BearerCapability, CallReference, CallState, Cause, CauseValue, Ia5String, Location,
    MessageType, NumberingPlan, PartyNumber, Presentation, ProgressDescription, ProgressIndicator,
    Screening, TransferCapability, TransferRate, TypeOfNumber, UserUser,
};

/// A real H323-UserInformation of the given Q.931 message type from the committed fixtures of
/// nrusso-h245_signal (Cisco) and nrusso-fax_t38_h323_ogw (Facility), which tshark dissects
/// without warnings.
fn captured_uu(message_type: MessageType) -> Vec<u8> {
    for file in ["nrusso-h245_signal.hex", "nrusso-fax_t38_h323_ogw.hex"] {
        let text = std::fs::read_to_string(fixtures_dir().join(file)).expect("fixture");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let msg = Message::decode(&unhex(line.split_once('\t').unwrap().1)).unwrap();
            if msg.message_type == message_type {
                return msg
                    .user_user()
                    .expect("captured message has user-user")
                    .to_vec();
            }
        }
    }
    panic!("no captured {message_type:?}");
}

/// A minimal H323-UserInformation built with the generated H.225.0 types (version 4 protocol
/// identifier, fixed call identifier).
fn built_uu(body: fn(ProtocolIdentifier, CallIdentifier) -> Body) -> Vec<u8> {
    let oid = rasn::types::ObjectIdentifier::new(vec![0, 0, 8, 2250, 0, 4]).unwrap();
    let call_id = CallIdentifier::new(GloballyUniqueID([0x5a; 16].into()));
    let body = body(ProtocolIdentifier(oid), call_id);
    let pdu = H323UUPDU::new(
        body, None, None, false, None, None, None, None, None, None, None,
    );
    rasn::aper::encode(&H323UserInformation::new(pdu, None)).expect("H.225.0 PER encodes")
}

fn our_messages() -> Vec<Message> {
    use InformationElement as Ie;
    let caller = CallReference::new(0x0c35, false);
    let callee = caller.reply();
    let uu = |m| Ie::UserUser(UserUser::h225(captured_uu(m)));
    let built = |f| Ie::UserUser(UserUser::h225(built_uu(f)));
    let calling = PartyNumber {
        type_of_number: TypeOfNumber::National,
        numbering_plan: NumberingPlan::E164,
        presentation: Some((Presentation::Allowed, Screening::UserVerifiedPassed)),
        digits: "8003".into(),
    };
    let multirate = BearerCapability {
        transfer_capability: TransferCapability::UnrestrictedDigital,
        transfer_rate: TransferRate::Multirate { multiplier: 6 },
        ..BearerCapability::h323_unrestricted_digital()
    };
    let mut messages = vec![
        Message::new(MessageType::Setup, caller)
            .with(Ie::BearerCapability(BearerCapability::h323_speech()))
            .with(Ie::CalledPartyNumber(PartyNumber::new("98001")))
            .with(Ie::CallingPartyNumber(calling))
            .with(Ie::Display(Ia5String::new("cascade MCU")))
            .with(uu(MessageType::Setup)),
        Message::new(MessageType::SetupAcknowledge, callee).with(built(|p, c| {
            Body::setupAcknowledge(SetupAcknowledgeUUIE::new(p, c, None, None))
        })),
        Message::new(MessageType::CallProceeding, callee).with(uu(MessageType::CallProceeding)),
        Message::new(MessageType::Alerting, callee)
            .with(Ie::ProgressIndicator(ProgressIndicator::new(
                ProgressDescription::InbandAvailable,
            )))
            .with(Ie::Signal(0x01))
            .with(uu(MessageType::Alerting)),
        Message::new(MessageType::Progress, callee)
            .with(Ie::ProgressIndicator(ProgressIndicator {
                location: Location::PrivateRemote,
                ..ProgressIndicator::new(ProgressDescription::NotEndToEndIsdn)
            }))
            .with(uu(MessageType::Progress)),
        Message::new(MessageType::Connect, callee)
            .with(Ie::BearerCapability(multirate))
            .with(Ie::Display(Ia5String::new("Room 1")))
            .with(uu(MessageType::Connect)),
        Message::new(MessageType::Facility, caller).with(uu(MessageType::Facility)),
        Message::new(MessageType::Notify, callee)
            .with(Ie::NotificationIndicator(0x00))
            .with(uu(MessageType::Notify)),
        Message::new(MessageType::Information, caller)
            .with(Ie::Keypad(Ia5String::new("1234#")))
            .with(built(|p, c| {
                Body::information(InformationUUIE::new(p, c, None, None, None, None, None))
            })),
        Message::new(MessageType::StatusEnquiry, caller).with(built(|p, c| {
            Body::statusInquiry(StatusInquiryUUIE::new(p, c, None, None))
        })),
        Message::new(MessageType::Status, callee)
            .with(Ie::Cause(Cause::new(CauseValue::ResponseToStatusEnquiry)))
            .with(Ie::CallState(CallState::new(10)))
            .with(built(|p, c| {
                Body::status(StatusUUIE::new(p, c, None, None))
            })),
    ];
    for (i, value) in [1u8, 16, 17, 21].into_iter().enumerate() {
        let cr = if i % 2 == 0 { caller } else { callee };
        let location = if i == 3 {
            Location::PrivateLocal
        } else {
            Location::User
        };
        messages.push(
            Message::new(MessageType::ReleaseComplete, cr)
                .with(Ie::Cause(
                    Cause::new(CauseValue::from_code(value)).at(location),
                ))
                .with(uu(MessageType::ReleaseComplete)),
        );
    }
    messages
}

/// A libpcap file (Ethernet, IPv4, TCP on 127.0.0.1) with a 3-way handshake from port 40000 to
/// 1720 and then one TCP segment per payload, in the direction given.
struct PcapWriter {
    out: Vec<u8>,
    seq: [u32; 2],
    time: u32,
}

const CLIENT_PORT: u16 = 40000;

impl PcapWriter {
    fn new() -> Self {
        let mut out = Vec::new();
        for field in [
            0xa1b2_c3d4u32.to_le_bytes().as_slice(),
            &2u16.to_le_bytes(),
            &4u16.to_le_bytes(),
        ] {
            out.extend_from_slice(field);
        }
        out.extend_from_slice(&[0; 8]); // thiszone, sigfigs
        out.extend_from_slice(&65535u32.to_le_bytes()); // snaplen
        out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        let mut w = Self {
            out,
            seq: [1_000_000, 2_000_000],
            time: 1_700_000_000,
        };
        w.segment(false, 0x02, &[]); // SYN
        w.seq[0] += 1;
        w.segment(true, 0x12, &[]); // SYN, ACK
        w.seq[1] += 1;
        w.segment(false, 0x10, &[]); // ACK
        w
    }

    /// `from_server`: direction; flags: TCP flags octet.
    fn segment(&mut self, from_server: bool, flags: u8, payload: &[u8]) {
        let (me, peer) = if from_server { (1, 0) } else { (0, 1) };
        let (sport, dport) = if from_server {
            (1720, CLIENT_PORT)
        } else {
            (CLIENT_PORT, 1720)
        };
        let ack = if flags & 0x10 != 0 { self.seq[peer] } else { 0 };
        let mut tcp = Vec::new();
        tcp.extend_from_slice(&sport.to_be_bytes());
        tcp.extend_from_slice(&dport.to_be_bytes());
        tcp.extend_from_slice(&self.seq[me].to_be_bytes());
        tcp.extend_from_slice(&ack.to_be_bytes());
        tcp.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        tcp.extend_from_slice(payload);
        let mut pseudo = vec![127, 0, 0, 1, 127, 0, 0, 1, 0, 6];
        pseudo.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
        pseudo.extend_from_slice(&tcp);
        let sum = checksum(&pseudo);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());
        let total = 20 + tcp.len();
        let mut ip = vec![0x45, 0];
        ip.extend_from_slice(&(total as u16).to_be_bytes());
        ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        let sum = checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        let mut frame = vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
        frame.extend_from_slice(&ip);
        frame.extend_from_slice(&tcp);
        self.time += 1;
        for field in [self.time, 0, frame.len() as u32, frame.len() as u32] {
            self.out.extend_from_slice(&field.to_le_bytes());
        }
        self.out.extend_from_slice(&frame);
        self.seq[me] = self.seq[me].wrapping_add(payload.len() as u32);
    }
}

/// RFC 1071 Internet checksum.
fn checksum(bytes: &[u8]) -> u16 {
    let mut sum: u32 = bytes
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[test]
fn our_messages_pass_tshark() {
    if require(tshark(), "tshark not installed").is_none() {
        return;
    }
    let messages = our_messages();
    let mut pcap = PcapWriter::new();
    for msg in &messages {
        let mut frame = Vec::new();
        h323::tpkt::encode(&msg.try_encode().unwrap(), &mut frame).unwrap();
        pcap.segment(msg.call_reference.from_destination, 0x18, &frame);
    }
    let dir = std::env::temp_dir().join(format!("cascade-q931-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ours.pcap");
    std::fs::write(&path, &pcap.out).unwrap();

    let complaints = run_tshark(
        &path,
        &[
            "-Y",
            "_ws.malformed || _ws.expert.severity >= warning",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "_ws.expert.message",
        ],
    );
    assert_eq!(
        complaints,
        "",
        "tshark complains about our messages ({})",
        path.display()
    );

    let rows = tshark_fields(&path, "q931");
    assert_eq!(
        rows.len(),
        messages.len(),
        "tshark finds one Q.931 message per segment"
    );
    let mut types = HashSet::new();
    for (msg, (frame, (_, cols))) in messages.iter().zip(&rows) {
        types.insert(msg.message_type);
        assert_eq!(
            msg.encode(),
            Message::decode(&msg.encode()).unwrap().encode()
        );
        for ((field, ours), theirs) in FIELDS.iter().zip(our_fields(msg)).zip(cols) {
            assert_eq!(
                &ours.join("|"),
                theirs,
                "frame {frame} ({:?}): {field}",
                msg.message_type
            );
        }
    }
    assert_eq!(types.len(), 12, "every message type is exercised");
    if std::env::var_os("Q931_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
