//! `cascade decode --json` on every real capture in `shared/pcaps`, judged by tshark: every
//! H.225.0, RAS and H.245 message tshark finds (with the `-d` hints SOURCES.md gives for
//! separate H.245 connections) must appear in our output, in the same order, in the same frame,
//! with the same protocol and ASN.1 choice name, and with tshark's `frame.time_relative` as
//! `time` and its addresses and ports as `src`/`dst`. We may list more (H.245 on connections tshark
//! was not told about, malformed frames).
//!
//! Frames tshark marks malformed are compared on what can be compared: we must list a message of
//! the same protocol in that frame, either decoded (and then, if tshark got as far as the choice,
//! with the same name) or as `malformed` with an error. The test prints both verdicts.
//! Known cases, in ndpi-h323.pcap: frame 59 is a GRQ whose `integrity` field is cut short
//! (tshark: "gatekeeperRequest" + Malformed; asn1tools fails too), frame 65 a Setup whose
//! `additionalSourceAddresses` runs out of data (tshark: malformed; asn1tools fails too).
//!
//! There is no list of excused messages: every message tshark decodes must decode in ours,
//! including those from older senders that leave out mandatory extension additions and
//! those with constrained newtypes in extension additions (the two rasn 0.30 defects the
//! generator corrects, see `xtask/src/postprocess.rs`).

mod decode_support;

use decode_support::*;
use serde_json::Value;

#[test]
fn every_capture_has_every_message_tshark_finds() {
    if !tshark_available("decode_pcaps") {
        return;
    }
    let files = captures();
    assert!(
        !files.is_empty(),
        "no captures in {}",
        shared_dir().display()
    );
    let mut failures = Vec::new();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let hints = h245_hints(file);
        let theirs = tshark_messages(file, &hints);
        let ours = decode_json(file);
        assert!(
            !theirs.is_empty(),
            "{name}: tshark found nothing; is this an H.323 capture?"
        );
        let ours_key: Vec<(u64, String, String)> = ours
            .iter()
            .map(|m| {
                (
                    m["frame"].as_u64().unwrap_or(0),
                    m["protocol"].as_str().unwrap_or("").to_string(),
                    m["message"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        // Malformed frames: compare what can be compared, and say what each side says.
        for t in theirs.iter().filter(|t| t.malformed) {
            let here: Vec<&Value> = ours
                .iter()
                .filter(|m| {
                    m["frame"].as_u64() == Some(t.frame) && m["protocol"] == t.protocol.as_str()
                })
                .collect();
            let verdicts: Vec<String> = here
                .iter()
                .map(|m| {
                    format!(
                        "{} {}",
                        m["message"].as_str().unwrap_or(""),
                        m["error"].as_str().unwrap_or("")
                    )
                })
                .collect();
            println!(
                "{name} frame {}: tshark says malformed {} {:?}; we say {:?}",
                t.frame, t.protocol, t.message, verdicts
            );
            if here.is_empty() {
                failures.push(format!(
                    "{name} frame {}: tshark found a (malformed) {} message, we list none",
                    t.frame, t.protocol
                ));
            }
            for m in &here {
                let ours_name = m["message"].as_str().unwrap_or("");
                let consistent =
                    ours_name == "malformed" || t.message.as_deref().is_none_or(|n| n == ours_name);
                if !consistent || (ours_name == "malformed" && m["error"].as_str().is_none()) {
                    failures.push(format!(
                        "{name} frame {}: tshark {:?} (malformed), ours {ours_name} without matching name or error",
                        t.frame, t.message
                    ));
                }
            }
        }
        // Well-formed messages: an ordered subsequence of ours.
        let wanted: Vec<(u64, String, String)> = theirs
            .iter()
            .filter(|t| !t.malformed)
            .map(|t| {
                (
                    t.frame,
                    t.protocol.clone(),
                    t.message.clone().unwrap_or_default(),
                )
            })
            .collect();
        let mut at = 0;
        for w in &wanted {
            match ours_key[at..].iter().position(|o| o == w) {
                Some(i) => at += i + 1,
                None => {
                    let near: Vec<_> = ours_key.iter().filter(|o| o.0 == w.0).collect();
                    failures.push(format!(
                        "{name}: tshark's {} {} in frame {} missing or out of order; ours in that frame: {near:?}",
                        w.1, w.2, w.0
                    ));
                }
            }
        }
        println!(
            "{name}: tshark {} messages (hints {hints:?}), ours {}",
            theirs.len(),
            ours.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
