//! H.225.0 call-signalling PDU (H323-UserInformation, the contents of Q.931's User-user IE)
//! on arbitrary bytes: `UserInfo::decode` must not panic, and whatever it accepts and can
//! re-encode must decode back equal.
#![no_main]

use h323::h225::UserInfo;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(ui) = UserInfo::decode(data) {
        if let Ok(bytes) = ui.encode() {
            let again = UserInfo::decode(&bytes).expect("our own encoding decodes");
            assert_eq!(again, ui);
        }
    }
});
