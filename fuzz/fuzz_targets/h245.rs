//! H.245 MultimediaSystemControlMessage on arbitrary bytes: `per::decode` must not panic, and
//! whatever it accepts and can re-encode must decode back equal; the message name is defined.
#![no_main]

use h323::asn::h245::MultimediaSystemControlMessage;
use h323::h245::names;
use h323::per;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = per::decode::<MultimediaSystemControlMessage>(data) {
        assert!(!names::message_name(&m).is_empty());
        if let Ok(bytes) = per::encode(&m) {
            let again: MultimediaSystemControlMessage =
                per::decode(&bytes).expect("our own encoding decodes");
            assert_eq!(again, m);
        }
    }
});
