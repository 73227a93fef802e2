//! Test-side client of the asn1tools oracle (`tests/oracle/asn1_oracle.py` at the
//! repository root): ONE python process per test binary (compiling the ASN.1
//! modules takes seconds), spoken to in JSON lines, shared by the tests of the
//! binary behind a mutex.
//!
//! When python3 or asn1tools is missing, [`oracle`] prints `SKIP: <why>` and
//! returns `None` so the test can pass, unless the environment variable `CI` is
//! set, in which case it panics: CI must run the oracle.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};

pub mod h245_samples;

/// Longest wait for one answer; the first includes compiling the modules.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(180);

pub struct Oracle {
    _child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

/// A value decoded by asn1tools, and asn1tools' own re-encoding of it.
#[derive(Debug)]
pub struct Decoded {
    pub value: Value,
    pub reencoded: Option<Vec<u8>>,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

pub fn shared_dir() -> PathBuf {
    std::env::var_os("CASCADE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"))
}

fn skip_or_fail(why: &str) -> Option<MutexGuard<'static, Oracle>> {
    if std::env::var_os("CI").is_some() {
        panic!("asn1tools oracle unavailable under CI: {why}");
    }
    println!("SKIP: {why}");
    None
}

fn spawn() -> Result<Oracle, String> {
    let script = repo_root().join("tests/oracle/asn1_oracle.py");
    let probe = Command::new("python3")
        .args(["-c", "import asn1tools"])
        .output()
        .map_err(|e| format!("python3 not runnable: {e}"))?;
    if !probe.status.success() {
        return Err(format!(
            "python3 has no asn1tools: {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    let mut child = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", script.display()))?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok(Oracle {
        _child: child,
        stdin,
        lines,
    })
}

/// The shared oracle, or `None` (after printing SKIP) when it cannot run outside CI.
pub fn oracle() -> Option<MutexGuard<'static, Oracle>> {
    static ORACLE: OnceLock<Result<Mutex<Oracle>, String>> = OnceLock::new();
    match ORACLE.get_or_init(|| spawn().map(Mutex::new)) {
        Ok(m) => Some(m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())),
        Err(why) => skip_or_fail(why),
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() & 1 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

impl Oracle {
    fn request(&mut self, req: Value) -> Value {
        writeln!(self.stdin, "{req}").expect("write to oracle");
        self.stdin.flush().expect("flush oracle");
        let line = self
            .lines
            .recv_timeout(ANSWER_TIMEOUT)
            .expect("oracle answered within the timeout");
        serde_json::from_str(&line).expect("oracle answers JSON")
    }

    fn answer(resp: Value) -> Result<Value, String> {
        if resp["ok"] == json!(true) {
            Ok(resp)
        } else {
            Err(resp["error"].as_str().unwrap_or("?").to_owned())
        }
    }

    /// Decodes `bytes` as `ty` with the default (unmodified) modules.
    pub fn decode(&mut self, ty: &str, bytes: &[u8]) -> Result<Decoded, String> {
        self.decode_in("default", ty, bytes)
    }

    /// Decodes with the modules compiled under `schema` (see [`Oracle::compile`]).
    pub fn decode_in(&mut self, schema: &str, ty: &str, bytes: &[u8]) -> Result<Decoded, String> {
        let r = Self::answer(
            self.request(json!({"op": "decode", "schema": schema, "type": ty, "hex": hex(bytes)})),
        )?;
        Ok(Decoded {
            value: r["value"].clone(),
            reencoded: r["reencoded"].as_str().map(unhex),
        })
    }

    /// Encodes a JSON value (the harness's JSON form) as `ty`.
    pub fn encode(&mut self, ty: &str, value: &Value) -> Result<Vec<u8>, String> {
        self.encode_in("default", ty, value)
    }

    /// Encodes with the modules compiled under `schema`.
    pub fn encode_in(&mut self, schema: &str, ty: &str, value: &Value) -> Result<Vec<u8>, String> {
        let r = Self::answer(
            self.request(json!({"op": "encode", "schema": schema, "type": ty, "value": value})),
        )?;
        Ok(unhex(r["hex"].as_str().expect("hex")))
    }

    /// Compiles an edited copy of the modules under `schema`: each patch is
    /// (file, text to find, replacement).
    pub fn compile(&mut self, schema: &str, patches: &[(&str, &str, &str)]) -> Result<(), String> {
        let patches: Vec<Value> = patches
            .iter()
            .map(|(f, find, replace)| json!({"file": f, "find": find, "replace": replace}))
            .collect();
        Self::answer(self.request(json!({"op": "compile", "schema": schema, "patches": patches})))
            .map(|_| ())
    }
}

/// One PDU extracted from a real capture (see `tests/data/per/README.md`).
#[derive(Debug, Clone)]
pub struct CapturedPdu {
    pub capture: String,
    pub frame: u32,
    pub asn1_type: String,
    pub tshark_malformed: bool,
    pub bytes: Vec<u8>,
}

/// Every fixture PDU of ASN.1 type `ty`.
pub fn captured(ty: &str) -> Vec<CapturedPdu> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/per");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/data/per")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let capture = f.file_stem().unwrap().to_string_lossy().into_owned();
        for line in std::fs::read_to_string(&f).expect("fixture").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split(' ').collect();
            assert_eq!(cols.len(), 4, "{capture}: bad line {line}");
            if cols[1] != ty {
                continue;
            }
            out.push(CapturedPdu {
                capture: capture.clone(),
                frame: cols[0].parse().expect("frame"),
                asn1_type: cols[1].to_owned(),
                tshark_malformed: cols[2] == "1",
                bytes: unhex(cols[3]),
            });
        }
    }
    out
}

/// `value` at a JSON path of object keys, with `"choice"` alternatives unwrapped
/// when the key names the alternative: `at(v, &["h323-uu-pdu", "h323-message-body",
/// "setup", "conferenceID"])`.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    let mut cur = v;
    for key in path {
        if cur.get("choice").and_then(Value::as_str) == Some(key) {
            cur = &cur["value"];
        } else {
            cur = cur
                .get(key)
                .unwrap_or_else(|| panic!("no {key:?} in {cur}"));
        }
    }
    cur
}

/// The value our generated types assume for a mandatory extension addition that an
/// older peer (H.225.0 v2/v3, Cisco H.245) leaves out, in the harness's JSON form, by
/// ASN.1 component name (the choices are made in `xtask/src/postprocess.rs`). Only the
/// additions the captures exercise are listed; another one makes [`added_defaults`] fail.
pub fn assumed_when_absent(name: &str) -> Option<Value> {
    Some(match name {
        "multipleCalls"
        | "maintainConnection"
        | "keepAlive"
        | "willSupplyUUIEs"
        | "supportsAssignedGK"
        | "willRespondToIRR"
        | "canMapAlias"
        | "canMapSrcAlias"
        | "answeredCall"
        | "needResponse"
        | "unsolicited"
        | "mediaWaitForConnect"
        | "canOverlapSend"
        | "h245Tunnelling"
        | "flowControlToZero"
        | "videoBadMBsCap"
        | "errorCompensation"
        | "logicalChannelSwitchingCapability"
        | "t120DynamicPortCapability"
        | "videoIndicateMixingCapability"
        | "maxMUXPDUSizeCapability"
        | "nsrpSupport" => json!(false),
        "callIdentifier" => json!({"guid": "00".repeat(16)}),
        "reason" => json!({"choice": "unknown", "value": null}),
        "supportedPrefixes" | "substituteConfIDs" => json!([]),
        _ => return None,
    })
}

/// Compares asn1tools' decode of the captured octets (`captured`) with its decode of our
/// re-encoding (`ours`): `ours` must be `captured` plus only mandatory extension additions
/// at the values of [`assumed_when_absent`] (we are a v4+ sender: a decoded default is
/// sent). Returns the paths of the added components, or the first difference.
pub fn added_defaults(captured: &Value, ours: &Value) -> Result<Vec<String>, String> {
    fn walk(path: &str, c: &Value, o: &Value, added: &mut Vec<String>) -> Result<(), String> {
        match (c, o) {
            (Value::Object(c), Value::Object(o)) => {
                for (k, cv) in c {
                    let ov = o
                        .get(k)
                        .ok_or_else(|| format!("{path}.{k}: lost in our re-encoding"))?;
                    walk(&format!("{path}.{k}"), cv, ov, added)?;
                }
                for (k, ov) in o.iter().filter(|(k, _)| !c.contains_key(*k)) {
                    match assumed_when_absent(k) {
                        Some(v) if &v == ov => added.push(format!("{path}.{k}")),
                        _ => return Err(format!("{path}.{k}: added as {ov}")),
                    }
                }
                Ok(())
            }
            (Value::Array(c), Value::Array(o)) if c.len() == o.len() => c
                .iter()
                .zip(o)
                .enumerate()
                .try_for_each(|(i, (cv, ov))| walk(&format!("{path}[{i}]"), cv, ov, added)),
            _ if c == o => Ok(()),
            _ => Err(format!("{path}: {c} became {o}")),
        }
    }
    let mut added = Vec::new();
    walk("", captured, ours, &mut added)?;
    Ok(added)
}
