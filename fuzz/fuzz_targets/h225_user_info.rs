//! H.225.0 call-signalling PDU (H323-UserInformation, the contents of Q.931's User-user IE)
//! on arbitrary bytes: `UserInfo::decode` must not panic, and whatever it accepts and can
//! re-encode must decode back equal.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cascade_fuzz::checks::h225_user_info(data));
