//! H.225.0 RAS datagram on arbitrary bytes: `Ras::decode` must not panic, and whatever it
//! accepts and can re-encode must decode back equal.
#![no_main]

use h323::h225::ras::Ras;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Ras::decode(data) {
        if let Ok(bytes) = m.encode() {
            let again = Ras::decode(&bytes).expect("our own encoding decodes");
            assert_eq!(again, m);
        }
    }
});
