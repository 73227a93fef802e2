//! The properties each fuzz target checks, shared by the libFuzzer binaries in `fuzz_targets/`
//! and by `crates/h323/tests/fuzz_replay.rs`, which replays the committed seeds and every input
//! that ever failed (`regressions/`) in the normal test suite, so a fixed crash stays fixed
//! without a libFuzzer build.

pub mod checks;
