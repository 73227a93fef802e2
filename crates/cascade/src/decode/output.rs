//! The two ways `cascade decode` prints: the human call ladder and `--json` lines.
//!
//! JSON line format (one object per message, keys in this order):
//! - `time`: seconds since the capture's first frame (a number, like tshark's
//!   `frame.time_relative`); `utc`: the absolute capture time, RFC 3339 with nanoseconds;
//! - `frame` (1-based, the frame in which the message became complete), `src`, `dst`
//!   (`ip:port`, IPv6 as `[addr]:port`), `transport` (`tcp`/`udp`);
//! - `protocol`: `h225`, `ras`, `h245`, or `q931` (Q.931 without H.225.0 content) / `tpkt`
//!   (TPKT that is neither); `message`: the ASN.1 choice name (`setup`, `registrationRequest`,
//!   `terminalCapabilitySet`, ...), or `malformed` (then `error` says why) or `unknown`;
//! - `tunnelled` (H.245 carried in h245Control), `q931` (message type as Q.931 spells it),
//!   `called`, `calling` (Q.931 party numbers), `cause` (Q.850 value): always present, `null`
//!   when not applicable;
//! - then, when present: `category` (H.245 request/response/command/indication), `causeText`,
//!   `error`, and the key fields named as the standards name them (`callingAlias`,
//!   `calledAlias`, `fastStart` as `codec/direction` strings, `h245Tunnelling`, `h245Address`,
//!   `entries`, `codec`, `channel`, `mediaChannel`, `decision`, `reason`, ...).

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Map, Value};

use super::dissect::{Conversation, Kind};
use super::model::Message;

/// Writes one JSON object per line.
pub fn json(out: &mut dyn Write, msgs: &[Message], t0: i64) -> std::io::Result<()> {
    for m in msgs {
        let mut o = Map::new();
        o.insert("time".into(), Value::from(seconds(m.time_ns - t0)));
        o.insert("utc".into(), Value::from(utc(m.time_ns)));
        o.insert("frame".into(), Value::from(m.frame));
        o.insert("src".into(), Value::from(m.src.to_string()));
        o.insert("dst".into(), Value::from(m.dst.to_string()));
        o.insert(
            "transport".into(),
            Value::from(if m.tcp { "tcp" } else { "udp" }),
        );
        o.insert("protocol".into(), Value::from(m.protocol.as_str()));
        o.insert("message".into(), Value::from(m.message.clone()));
        o.insert("tunnelled".into(), Value::from(m.tunnelled));
        o.insert("q931".into(), m.q931.clone().into());
        o.insert("called".into(), m.called.clone().into());
        o.insert("calling".into(), m.calling.clone().into());
        o.insert("cause".into(), m.cause.into());
        if let Some(c) = m.category {
            o.insert("category".into(), Value::from(c));
        }
        if let Some(t) = m.cause.and_then(q850_cause_name) {
            o.insert("causeText".into(), Value::from(t));
        }
        if let Some(e) = &m.error {
            o.insert("error".into(), Value::from(e.clone()));
        }
        for (k, v) in &m.details {
            o.insert((*k).into(), v.clone());
        }
        serde_json::to_writer(&mut *out, &Value::Object(o))?;
        writeln!(out)?;
    }
    Ok(())
}

/// What the ladder's closing line reports besides the messages.
#[derive(Debug, Default)]
pub struct Totals {
    /// Frames in the capture.
    pub frames: u64,
    /// Frames that were not TCP/UDP over IP, by reason.
    pub skipped: BTreeMap<String, u64>,
}

/// Writes the human call ladder.
pub fn ladder(
    out: &mut dyn Write,
    name: &str,
    msgs: &[Message],
    convs: &[Conversation],
    t0: i64,
    totals: &Totals,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{name}: {} frames, first at {}",
        totals.frames,
        if totals.frames > 0 {
            utc(t0)
        } else {
            "-".into()
        }
    )?;
    let time_w = msgs
        .iter()
        .map(|m| format!("{:.6}", seconds(m.time_ns - t0)).len())
        .max()
        .unwrap_or(0)
        .max(11);
    let frame_w = msgs
        .iter()
        .map(|m| m.frame.to_string().len())
        .max()
        .unwrap_or(0)
        .max(6);
    let src_w = msgs
        .iter()
        .map(|m| m.src.to_string().len())
        .max()
        .unwrap_or(0);
    let dst_w = msgs
        .iter()
        .map(|m| m.dst.to_string().len())
        .max()
        .unwrap_or(0);
    let msg_w = msgs
        .iter()
        .map(|m| label(m).chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    // Conversations are numbered in order of first appearance in the ladder; those without a
    // message (every TCP connection is one) get no number.
    let mut number: Vec<Option<usize>> = vec![None; convs.len()];
    let mut shown = 0;
    for m in msgs {
        if let Some(n @ None) = number.get_mut(m.conversation) {
            shown += 1;
            *n = Some(shown);
        }
    }
    let many = shown > 1;
    let mut introduced = vec![false; convs.len()];
    for m in msgs {
        let n = number.get(m.conversation).copied().flatten().unwrap_or(0);
        if let Some(seen) = introduced.get_mut(m.conversation) {
            if !*seen {
                *seen = true;
                writeln!(out)?;
                writeln!(out, "{}", header(n, &convs[m.conversation], many))?;
            }
        }
        let conv = if many {
            format!("#{n:<3}")
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>time_w$.6} {:>frame_w$}  {conv}{:>src_w$} → {:<dst_w$}  {:<4}  {:<msg_w$}  {}",
            seconds(m.time_ns - t0),
            m.frame,
            m.src.to_string(),
            m.dst.to_string(),
            m.protocol.as_str(),
            label(m),
            details(m),
        )?;
    }
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for m in msgs {
        *per.entry(m.protocol.as_str()).or_default() += 1;
    }
    let malformed = msgs.iter().filter(|m| m.message == "malformed").count();
    let per: Vec<String> = per.iter().map(|(p, n)| format!("{p} {n}")).collect();
    writeln!(out)?;
    write!(
        out,
        "{} messages ({}), {malformed} malformed",
        msgs.len(),
        if per.is_empty() {
            "none".into()
        } else {
            per.join(", ")
        },
    )?;
    let skipped: u64 = totals.skipped.values().sum();
    if skipped > 0 {
        let why: Vec<String> = totals
            .skipped
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        write!(out, "; frames not TCP/UDP: {}", why.join(", "))?;
    }
    writeln!(out)
}

fn header(n: usize, c: &Conversation, many: bool) -> String {
    let what = match c.kind {
        Kind::CallSignalling => "H.225.0 call signalling".to_string(),
        Kind::H245 => match c.announced_in {
            Some(f) => format!("H.245 (h245Address in frame {f})"),
            None => "H.245 (found by decoding)".to_string(),
        },
        Kind::Ras => "H.225.0 RAS".to_string(),
        Kind::Unknown => "unidentified TPKT".to_string(),
    };
    let tag = if many {
        format!("#{n} ")
    } else {
        String::new()
    };
    format!(
        "── {tag}{} {} ⇄ {}  {what} ──",
        if c.tcp { "TCP" } else { "UDP" },
        c.a,
        c.b
    )
}

fn label(m: &Message) -> String {
    if m.tunnelled {
        format!("↳ {}", m.message)
    } else {
        m.message.clone()
    }
}

/// The ladder's key fields. JSON carries every detail; the ladder folds numbers and aliases
/// together, leaves out what is the common default, and quotes text with spaces.
fn details(m: &Message) -> String {
    let mut parts: Vec<String> = Vec::new();
    if m.tunnelled {
        parts.push("tunnelled".into());
    }
    if let Some(q) = &m.q931 {
        let same = q.replace(' ', "").eq_ignore_ascii_case(&m.message);
        if !same {
            parts.push(format!("q931={}", q.replace(' ', "_")));
        }
    }
    let detail = |key: &str| m.details.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
    for (label, number, alias) in [
        ("calling", &m.calling, "callingAlias"),
        ("called", &m.called, "calledAlias"),
    ] {
        let mut who: Vec<String> = number.iter().cloned().collect();
        if let Some(Value::Array(a)) = detail(alias) {
            who.extend(a.iter().map(plain));
        }
        if !who.is_empty() {
            parts.push(format!("{label}={}", quoted(&who.join(","))));
        }
    }
    if let Some(c) = m.cause {
        match q850_cause_name(c) {
            Some(t) => parts.push(format!("cause={c} ({t})")),
            None => parts.push(format!("cause={c}")),
        }
    }
    for (k, v) in &m.details {
        let shown = match (*k, v) {
            ("callingAlias" | "calledAlias" | "h245Control" | "sessionID" | "descriptors", _) => {
                continue
            }
            ("conferenceGoal", Value::String(g)) if g == "create" => continue,
            ("h245Tunnelling", Value::Bool(b)) => format!("tunnelling={}", yes_no(*b)),
            ("fastStart", Value::Array(a)) => {
                let codecs: Vec<String> = a.iter().map(plain).collect();
                if codecs.is_empty() {
                    "fastStart=0".into()
                } else {
                    format!("fastStart={} [{}]", a.len(), codecs.join(" "))
                }
            }
            (k, v) => format!("{k}={}", quoted(&plain(v))),
        };
        parts.push(shown);
    }
    if let Some(e) = &m.error {
        parts.push(format!("error: {e}"));
    }
    parts.join(" ")
}

fn quoted(s: &str) -> String {
    if s.is_empty() || s.contains(' ') {
        format!("{s:?}")
    } else {
        s.to_string()
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => yes_no(*b).into(),
        Value::Array(a) => a.iter().map(plain).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn seconds(ns: i64) -> f64 {
    // Microsecond resolution is what captures carry; rounding keeps `1.224703` from printing
    // as `1.2247029999999999`.
    (ns as f64 / 1e3).round() / 1e6
}

/// RFC 3339 UTC time with nanoseconds. Hand-written (Howard Hinnant's days-to-civil algorithm)
/// because one timestamp format does not justify a date crate.
pub fn utc(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let nanos = ns.rem_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{nanos:09}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// The Q.850 name of a cause value, when Q.850 names it.
fn q850_cause_name(v: u8) -> Option<&'static str> {
    let name = h323::q931::CauseValue::from_code(v).name();
    (name != "unknown").then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_matches_known_instants() {
        assert_eq!(utc(0), "1970-01-01T00:00:00.000000000Z");
        // 2015-05-04 23:28:51.682993 UTC, frame 1 of nrusso-h245_signal (tshark's epoch time).
        assert_eq!(
            utc(1_430_782_131_682_993_000),
            "2015-05-04T23:28:51.682993000Z"
        );
        assert_eq!(
            utc(951_782_400_000_000_000),
            "2000-02-29T00:00:00.000000000Z"
        );
        assert_eq!(utc(-1), "1969-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn relative_seconds_print_short() {
        assert_eq!(Value::from(seconds(1_224_703_000)).to_string(), "1.224703");
    }
}
