//! Replays the fuzz corpus in the normal test suite: every committed seed
//! (`fuzz/seeds/<target>/`), every input that once made a target fail (`fuzz/regressions/<target>/`,
//! kept after the fix), and a bounded set of deterministic mutations of the seeds (truncations and
//! byte flips), through the very checks the libFuzzer targets run (`fuzz/src/checks.rs`).
//! libFuzzer itself needs nightly flags and a separate build (CI gives each target only a short
//! run, fuzz/README.md); this keeps its findings fixed on stable in seconds.

#[path = "../../../fuzz/src/checks.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use h323::rand::SplitMix64;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(e.path()).expect("readable corpus file");
            (name, bytes)
        })
        .collect();
    out.sort();
    out
}

/// Runs `check` on `data`, turning a panic into the failure's message.
fn run(check: fn(&[u8]), data: &[u8]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| check(data))).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panic".into())
    })
}

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn seeds_and_regressions_pass_every_fuzz_check() {
    let dir = fuzz_dir();
    let mut failures = Vec::new();
    let mut total = 0;
    for (target, check) in checks::TARGETS {
        let seeds = inputs(&dir.join("seeds").join(target));
        assert!(!seeds.is_empty(), "no seeds for fuzz target {target}");
        let regressions = inputs(&dir.join("regressions").join(target));
        for (name, data) in seeds.iter().chain(regressions.iter()) {
            total += 1;
            if let Err(why) = run(*check, data) {
                failures.push(format!("{target}/{name}: {why}"));
            }
        }
    }
    assert!(total > 0);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn mutated_seeds_pass_every_fuzz_check() {
    let dir = fuzz_dir();
    let mut failures = Vec::new();
    let mut rng = SplitMix64::new(0x5EED_F022);
    for (target, check) in checks::TARGETS {
        for (name, seed) in inputs(&dir.join("seeds").join(target)) {
            // Truncations at up to 32 points, then 32 random single-octet changes: bounded, and
            // the same on every run.
            let step = (seed.len() / 32).max(1);
            let mut cases: Vec<Vec<u8>> = (0..seed.len())
                .step_by(step)
                .map(|n| seed[..n].to_vec())
                .collect();
            for _ in 0..32 {
                if seed.is_empty() {
                    break;
                }
                let mut m = seed.clone();
                let at = (rng.next_u64() % m.len() as u64) as usize;
                m[at] ^= (rng.next_u64() as u8) | 1;
                cases.push(m);
            }
            for case in cases {
                if let Err(why) = run(*check, &case) {
                    failures.push(format!("{target}/{name} mutated {}: {why}", hex(&case)));
                    if failures.len() > 20 {
                        panic!("{failures:#?}");
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
