//! Property tests of the dial-string grammar: it never panics, and what it prints it reads back.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use service::dial::{DialString, Endpoint, Host};

fn host() -> impl Strategy<Value = Host> {
    prop_oneof![
        any::<u32>().prop_map(|a| Host::V4(Ipv4Addr::from(a))),
        any::<u128>().prop_map(|a| Host::V6(Ipv6Addr::from(a))),
        "[a-zA-Z]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?(\\.[a-zA-Z]([a-z0-9-]{0,8}[a-z0-9])?){0,3}"
            .prop_map(Host::Name),
    ]
}

fn dial_string() -> impl Strategy<Value = DialString> {
    ("[0-9*#]{1,40}", host(), proptest::option::of(1u16..=65535)).prop_map(
        |(number, host, port)| DialString {
            number,
            mcu: Endpoint { host, port },
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_any_text(s in "\\PC{0,80}") {
        let _ = s.parse::<DialString>();
        let _ = s.parse::<Endpoint>();
    }

    #[test]
    fn never_panics_on_near_misses(s in "[0-9*#a@:\\[\\]\\.-]{0,40}") {
        let _ = s.parse::<DialString>();
    }

    #[test]
    fn printed_dial_strings_parse_back(d in dial_string()) {
        let text = d.to_string();
        prop_assert_eq!(text.parse::<DialString>().unwrap(), d);
    }

    #[test]
    fn whatever_parses_prints_to_an_equal_dial_string(s in "[0-9*#]{1,5}@[0-9a-z\\.:\\[\\]]{1,20}") {
        if let Ok(d) = s.parse::<DialString>() {
            prop_assert_eq!(d.to_string().parse::<DialString>().unwrap(), d);
        }
    }
}
