//! Q.931 decoder on arbitrary bytes: it must not panic, and whatever it accepts must survive
//! encode → decode unchanged and re-encode to the same octets.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cascade_fuzz::checks::q931(data));
