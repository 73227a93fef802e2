//! H.225.0 RAS datagram on arbitrary bytes: `Ras::decode` must not panic, and whatever it
//! accepts and can re-encode must decode back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cascade_fuzz::checks::ras(data));
