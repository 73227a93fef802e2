//! The stencils against rasn: on messages built as the call layer builds them and on every
//! user-information message of the real captures, each coded often enough to be learnt, with
//! fresh values in the places, both ways.

use super::*;
use crate::h225::build::{Alerting, CallProceeding, Connect, Facility, Progress, ReleaseComplete};
use crate::h225::{Body, CallId, ConferenceId};
use h323_asn1::h225::{FacilityReason, ReleaseCompleteReason};
use proptest::prelude::*;

/// Whether this thread has a stencil learnt for the shape of `info`.
fn learnt(info: &UserInfo) -> bool {
    let mut shape = info.clone();
    hollow(&mut shape).is_some()
        && STENCILS.with_borrow(|s| {
            s.entries
                .iter()
                .any(|k| k.shape == shape && matches!(k.stencil, Learnt::Yes(_)))
        })
}

/// `info` with each place's octets replaced by ones from `seed`, lengths kept.
fn revalued(info: &UserInfo, seed: u8) -> UserInfo {
    let mut info = info.clone();
    if let Some(mut places) = info.places_mut() {
        for (i, p) in places.iter_mut().enumerate() {
            let octet = |j: usize| seed.wrapping_mul(31).wrapping_add((i * 7 + j) as u8) | 1;
            match p {
                Place::Id(id) => **id = std::array::from_fn(octet),
                Place::Octets(o) => {
                    **o = OctetString::from((0..o.len()).map(octet).collect::<Vec<u8>>())
                }
            }
        }
    }
    info
}

/// Codes `info`, and variants of it with other values, through the stencils and through rasn,
/// and checks both agree every time; returns whether a stencil was learnt for it.
fn agrees(info: &UserInfo) -> bool {
    for round in 0..4u8 {
        let v = if round == 0 {
            info.clone()
        } else {
            revalued(info, round)
        };
        let plain = v.encode().expect("rasn encodes it");
        assert_eq!(
            encode(v.clone()).expect("stencil encode"),
            plain,
            "encode, round {round}"
        );
        let decoded = UserInfo::decode(&plain).expect("rasn decodes it");
        assert_eq!(
            decode(&plain).expect("stencil decode"),
            decoded,
            "decode, round {round}"
        );
    }
    learnt(info)
}

fn ours() -> Vec<UserInfo> {
    let call = CallId([0x11; 16]);
    let conf = ConferenceId([0x22; 16]);
    let olc = |n: u8| {
        (0..23 + n as usize)
            .map(|i| i as u8 ^ n)
            .collect::<Vec<u8>>()
    };
    let mut cp = CallProceeding::new(call);
    cp.fast_start = vec![olc(1), olc(2), olc(3), olc(4)];
    let mut connect = Connect::new(call, conf);
    connect.fast_start = vec![olc(5)];
    let mut alerting = Alerting::new(call);
    alerting.fast_start = vec![olc(6), olc(7)];
    let mut facility = Facility::new(call, FacilityReason::transportedInformation(()));
    facility.conference_id = Some(conf);
    let progress = Progress::new(call);
    let rc = ReleaseComplete::new(call, Some(ReleaseCompleteReason::undefinedReason(())));
    let tunnel = [vec![0x23, 0x80, 0x00, 0x00, 0x04], olc(9)];
    vec![
        UserInfo::new(cp.build()).with_h245_tunnelling(true),
        UserInfo::new(connect.build().unwrap())
            .with_h245_tunnelling(true)
            .with_h245_control(tunnel.clone()),
        UserInfo::new(alerting.build().unwrap()).with_h245_tunnelling(true),
        UserInfo::new(facility.build().unwrap()),
        UserInfo::new(progress.build()).with_h245_tunnelling(true),
        UserInfo::new(rc.build().unwrap()).with_h245_tunnelling(true),
        UserInfo::new(Body::Empty)
            .with_h245_tunnelling(true)
            .with_h245_control(tunnel),
    ]
}

#[test]
fn our_messages_code_as_rasn_does_and_are_learnt() {
    for info in ours() {
        assert!(agrees(&info), "no stencil learnt for {}", info.body_name());
    }
}

#[test]
fn real_captures_decode_and_encode_as_rasn_does() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/per");
    let (mut messages, mut stencilled) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() != 4 || f[1] != "H323-UserInformation" || f[2] != "0" {
                continue;
            }
            let bytes: Vec<u8> = (0..f[3].len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&f[3][i..i + 2], 16).unwrap())
                .collect();
            let Ok(info) = UserInfo::decode(&bytes) else {
                continue;
            };
            // The peer's own octets, as received, several times.
            for _ in 0..3 {
                assert_eq!(decode(&bytes).unwrap(), info, "{}: {line}", path.display());
            }
            messages += 1;
            if agrees(&info) {
                stencilled += 1;
            }
        }
    }
    // The captures hold calls of Cisco and other stacks: 148 messages, 109 of them after a
    // Setup and of a body with places (the others are Setups, information and the like).
    assert!(messages > 100, "only {messages} messages in the captures");
    assert!(
        stencilled * 3 > messages * 2,
        "stencils learnt for only {stencilled} of {messages}"
    );
}

#[test]
fn a_default_call_identifier_is_left_to_rasn() {
    let rc = ReleaseComplete::new(CallId([0; 16]), None);
    let info = UserInfo::new(rc.build().unwrap()).with_h245_tunnelling(true);
    for _ in 0..3 {
        let plain = info.encode().unwrap();
        assert_eq!(encode(info.clone()).unwrap(), plain);
        assert_eq!(decode(&plain).unwrap(), UserInfo::decode(&plain).unwrap());
    }
}

#[test]
fn a_setup_is_never_stencilled() {
    let mut setup = crate::h225::build::Setup::new(CallId([3; 16]), ConferenceId([4; 16]));
    setup.fast_start = vec![vec![1, 2, 3]];
    let mut info = UserInfo::new(setup.build().unwrap());
    assert!(hollow(&mut info).is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any values in the places of any of our message shapes, including octet strings of other
    /// lengths (another shape): the stencils give rasn's octets and rasn's values.
    #[test]
    fn any_values_code_as_rasn_does(
        which in 0usize..7,
        id in any::<[u8; 16]>(),
        lens in proptest::collection::vec(0usize..40, 0..4),
        fill in any::<u8>(),
    ) {
        let mut info = ours().swap_remove(which);
        if let Some(mut places) = info.places_mut() {
            let mut lens = lens.into_iter();
            for p in places.iter_mut() {
                match p {
                    Place::Id(i) => **i = id,
                    Place::Octets(o) => {
                        let len = lens.next().unwrap_or(o.len());
                        **o = OctetString::from(vec![fill; len]);
                    }
                }
            }
        }
        for _ in 0..3 {
            let plain = info.encode().unwrap();
            prop_assert_eq!(encode(info.clone()).unwrap(), plain.clone());
            prop_assert_eq!(decode(&plain).unwrap(), UserInfo::decode(&plain).unwrap());
        }
    }

    /// Octets that differ from a learnt shape anywhere outside its places are decoded by rasn,
    /// and give what rasn gives (or fail as rasn fails).
    #[test]
    fn altered_octets_decode_as_rasn_does(which in 0usize..7, at in any::<prop::sample::Index>(), xor in 1u8..) {
        let info = ours().swap_remove(which);
        let plain = info.encode().unwrap();
        for _ in 0..3 {
            decode(&plain).unwrap();
        }
        let mut bytes = plain.clone();
        let i = at.index(bytes.len());
        bytes[i] ^= xor;
        match UserInfo::decode(&bytes) {
            Ok(v) => prop_assert_eq!(decode(&bytes).unwrap(), v),
            Err(_) => prop_assert!(decode(&bytes).is_err()),
        }
    }
}
