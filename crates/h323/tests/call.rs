//! Two sans-IO endpoints driven against each other in memory with a simulated clock: one file
//! per behaviour under `tests/call/`.

#[path = "call/pair.rs"]
mod pair;

#[path = "call/bad_input.rs"]
mod bad_input;
#[path = "call/describe.rs"]
mod describe;
#[path = "call/fast_start.rs"]
mod fast_start;
#[path = "call/rejected.rs"]
mod rejected;
#[path = "call/release.rs"]
mod release;
#[path = "call/separate_h245.rs"]
mod separate_h245;
#[path = "call/timeouts.rs"]
mod timeouts;
#[path = "call/tunnelled.rs"]
mod tunnelled;
