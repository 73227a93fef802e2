//! Q.931 decoder on arbitrary bytes: it must not panic, and whatever it accepts must survive
//! encode → decode unchanged and re-encode to the same octets.
#![no_main]

use h323::q931::Message;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = Message::decode(data) {
        let bytes = msg.encode();
        let again = Message::decode(&bytes).expect("our own encoding decodes");
        assert_eq!(again, msg);
        assert_eq!(again.encode(), bytes);
    }
});
