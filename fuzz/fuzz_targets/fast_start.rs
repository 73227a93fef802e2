//! A fastStart element (OpenLogicalChannel) on arbitrary bytes: the stencil coder in front of
//! rasn (`h323::h245::stencil`) must decode and re-encode exactly as rasn does.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cascade_fuzz::checks::fast_start(data));
