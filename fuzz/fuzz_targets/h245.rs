//! H.245 MultimediaSystemControlMessage on arbitrary bytes: `per::decode` must not panic, and
//! whatever it accepts and can re-encode must decode back equal; the message name is defined.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cascade_fuzz::checks::h245(data));
