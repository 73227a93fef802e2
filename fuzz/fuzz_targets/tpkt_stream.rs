//! TPKT deframer on an arbitrary stream cut into arbitrary chunks: it must not panic, and the
//! frames and error it yields must not depend on where the stream was cut.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cascade_fuzz::checks::tpkt_stream(data));
