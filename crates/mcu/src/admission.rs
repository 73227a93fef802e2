//! Which room an incoming call joins, or why it is refused: a pure function of the Setup's
//! called aliases, the rooms' occupancy and the MCU's policy, so every rule is unit-tested here
//! without sockets.
//!
//! Routing order: `destinationAddress` dialedDigits, then h323-ID, then URL/e-mail aliases, then
//! the Q.931 Called party number. The first alias that names an existing room wins; if none does,
//! the first alias present is "the called room" (unknown, or created with `auto_create_rooms`).
//! A call with no alias at all goes to the default room, if one is configured.
//!
//! Alias habits accepted (OpenMCU-ru's among them): `1234`, `h323:1234@192.0.2.10`,
//! `1234@192.0.2.10`, `192.0.2.10##1234`.
//!
//! Refusals, as Q.850 cause + H.225.0 ReleaseCompleteReason:
//!
//! | situation            | cause                          | reason                     | why this reason |
//! |----------------------|--------------------------------|----------------------------|-----------------|
//! | unknown room         | 1 unallocated number           | `calledPartyNotRegistered` | the issue's choice; the alias is not served here |
//! | room full            | 17 user busy                   | `inConf`                   | H.225.0 Table 5 pairs `inConf` ("called party busy") with cause 17 |
//! | room locked          | 21 call rejected               | `destinationRejection`     | "rejected at destination" is what a lock is; `securityDenied` means incompatible H.235 security settings, which is not the case |
//! | no alias, no default | 28 invalid number format       | `badFormatAddress`         | the address is incomplete rather than unknown; Table 5 pairs the two |
//! | bad room name (auto) | 28 invalid number format       | `badFormatAddress`         | same |

use service::release::{
    ReleaseReason, CAUSE_CALL_REJECTED, CAUSE_INVALID_NUMBER_FORMAT, CAUSE_UNALLOCATED_NUMBER,
    CAUSE_USER_BUSY,
};

use crate::room;

/// An alias from a Setup (H.225.0 `AliasAddress`), as far as routing cares.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Alias {
    /// `dialedDigits`.
    DialedDigits(String),
    /// `h323-ID`.
    H323Id(String),
    /// `url-ID`, e.g. `h323:1234@192.0.2.10`.
    Url(String),
    /// `email-ID`, e.g. `1234@mcu.example`.
    Email(String),
    /// Any other alias kind, shown as text; never used for routing.
    Other(String),
}

impl Alias {
    /// The alias text.
    pub fn text(&self) -> &str {
        match self {
            Self::DialedDigits(s)
            | Self::H323Id(s)
            | Self::Url(s)
            | Self::Email(s)
            | Self::Other(s) => s,
        }
    }
}

/// What the MCU knows about an incoming call when deciding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdmissionRequest {
    /// Setup-UUIE `destinationAddress`.
    pub destination_aliases: Vec<Alias>,
    /// Q.931 Called party number digits.
    pub called_party_number: Option<String>,
    /// Setup-UUIE `sourceAddress` (shown in the participant list, not used for routing).
    pub source_aliases: Vec<Alias>,
}

/// A room's state as far as admission cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupancy {
    /// Capacity.
    pub max_participants: u32,
    /// Refusing new callers.
    pub locked: bool,
    /// Participants now in the room (including calls being answered).
    pub participants: u32,
}

/// The MCU's admission settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Room for calls that name none.
    pub default_room: Option<String>,
    /// Create unknown rooms instead of refusing.
    pub auto_create_rooms: bool,
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Answer the call into `room`; `create` says the room does not exist yet and must be made.
    Accept {
        /// Room number.
        room: String,
        /// Create the room first (auto-create).
        create: bool,
    },
    /// Send ReleaseComplete with these.
    Reject {
        /// Cause IE value.
        q850_cause: u8,
        /// ReleaseComplete-UUIE reason.
        h225_reason: ReleaseReason,
    },
}

/// The room an alias text names, with URL schemes and `@host` / `host##` parts removed.
pub fn room_key(alias: &str) -> Option<&str> {
    let mut s = alias.trim();
    if s.len() >= 5 && s[..5].eq_ignore_ascii_case("h323:") {
        s = &s[5..];
    }
    if let Some(i) = s.rfind("##") {
        s = &s[i + 2..];
    } else if let Some(i) = s.find('@') {
        s = &s[..i];
    }
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

/// The room keys of a request, in routing order, without duplicates.
pub fn candidates(req: &AdmissionRequest) -> Vec<String> {
    let of_kind = |pick: fn(&Alias) -> bool| {
        req.destination_aliases
            .iter()
            .filter(move |a| pick(a))
            .filter_map(|a| room_key(a.text()))
    };
    let ordered = of_kind(|a| matches!(a, Alias::DialedDigits(_)))
        .chain(of_kind(|a| matches!(a, Alias::H323Id(_))))
        .chain(of_kind(|a| matches!(a, Alias::Url(_) | Alias::Email(_))))
        .chain(req.called_party_number.as_deref().and_then(room_key));
    let mut out: Vec<String> = Vec::new();
    for key in ordered {
        if !out.iter().any(|k| k == key) {
            out.push(key.to_owned());
        }
    }
    out
}

fn reject(q850_cause: u8, h225_reason: ReleaseReason) -> Admission {
    Admission::Reject {
        q850_cause,
        h225_reason,
    }
}

fn into_room(room: &str, occ: Occupancy) -> Admission {
    if occ.locked {
        reject(CAUSE_CALL_REJECTED, ReleaseReason::DestinationRejection)
    } else if occ.participants >= occ.max_participants {
        reject(CAUSE_USER_BUSY, ReleaseReason::InConf)
    } else {
        Admission::Accept {
            room: room.to_owned(),
            create: false,
        }
    }
}

/// Decides where the call described by `req` goes. `rooms` answers the occupancy of an existing
/// room.
pub fn admit(
    rooms: impl Fn(&str) -> Option<Occupancy>,
    policy: &Policy,
    req: &AdmissionRequest,
) -> Admission {
    let keys = candidates(req);
    if let Some((key, occ)) = keys.iter().find_map(|k| rooms(k).map(|o| (k, o))) {
        return into_room(key, occ);
    }
    match keys.first() {
        Some(key) if policy.auto_create_rooms => {
            if room::check_number(key).is_ok() {
                Admission::Accept {
                    room: key.clone(),
                    create: true,
                }
            } else {
                reject(CAUSE_INVALID_NUMBER_FORMAT, ReleaseReason::BadFormatAddress)
            }
        }
        Some(_) => reject(
            CAUSE_UNALLOCATED_NUMBER,
            ReleaseReason::CalledPartyNotRegistered,
        ),
        None => match &policy.default_room {
            Some(default) => match rooms(default) {
                Some(occ) => into_room(default, occ),
                None if policy.auto_create_rooms => Admission::Accept {
                    room: default.clone(),
                    create: true,
                },
                None => reject(
                    CAUSE_UNALLOCATED_NUMBER,
                    ReleaseReason::CalledPartyNotRegistered,
                ),
            },
            None => reject(CAUSE_INVALID_NUMBER_FORMAT, ReleaseReason::BadFormatAddress),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn rooms() -> HashMap<&'static str, Occupancy> {
        let open = |participants| Occupancy {
            max_participants: 2,
            locked: false,
            participants,
        };
        HashMap::from([
            ("1234", open(0)),
            ("5678", open(1)),
            ("full", open(2)),
            (
                "lock",
                Occupancy {
                    locked: true,
                    ..open(0)
                },
            ),
            ("room101", open(0)),
        ])
    }

    fn decide(policy: &Policy, req: &AdmissionRequest) -> Admission {
        let r = rooms();
        admit(|k| r.get(k).copied(), policy, req)
    }

    fn to(aliases: Vec<Alias>) -> AdmissionRequest {
        AdmissionRequest {
            destination_aliases: aliases,
            ..Default::default()
        }
    }

    fn accept(room: &str) -> Admission {
        Admission::Accept {
            room: room.into(),
            create: false,
        }
    }

    #[test]
    fn dialed_digits_come_before_h323_id_and_called_number() {
        let req = AdmissionRequest {
            destination_aliases: vec![
                Alias::H323Id("5678".into()),
                Alias::DialedDigits("1234".into()),
            ],
            called_party_number: Some("room101".into()),
            source_aliases: vec![],
        };
        assert_eq!(decide(&Policy::default(), &req), accept("1234"));
        let req = AdmissionRequest {
            destination_aliases: vec![Alias::H323Id("5678".into())],
            called_party_number: Some("1234".into()),
            ..Default::default()
        };
        assert_eq!(decide(&Policy::default(), &req), accept("5678"));
        let req = AdmissionRequest {
            called_party_number: Some("1234".into()),
            ..Default::default()
        };
        assert_eq!(decide(&Policy::default(), &req), accept("1234"));
    }

    #[test]
    fn an_alias_naming_no_room_falls_through_to_one_that_does() {
        // E.g. a gatekeeper put the MCU's own E.164 number in dialedDigits and the room in h323-ID.
        let req = to(vec![
            Alias::DialedDigits("5550100".into()),
            Alias::H323Id("room101".into()),
        ]);
        assert_eq!(decide(&Policy::default(), &req), accept("room101"));
    }

    #[test]
    fn openmcu_alias_habits() {
        for alias in [
            Alias::Url("h323:1234@192.0.2.10".into()),
            Alias::Url("H323:1234".into()),
            Alias::Email("1234@mcu.example".into()),
            Alias::H323Id("1234@192.0.2.10".into()),
            Alias::H323Id("192.0.2.10##1234".into()),
            Alias::DialedDigits(" 1234 ".into()),
        ] {
            assert_eq!(
                decide(&Policy::default(), &to(vec![alias.clone()])),
                accept("1234"),
                "{alias:?}"
            );
        }
        assert_eq!(room_key("@192.0.2.10"), None);
        assert_eq!(room_key("192.0.2.10##"), None);
    }

    #[test]
    fn unknown_full_and_locked_rooms_are_refused_with_the_issue_causes() {
        let p = Policy::default();
        assert_eq!(
            decide(&p, &to(vec![Alias::DialedDigits("9999".into())])),
            reject(1, ReleaseReason::CalledPartyNotRegistered)
        );
        assert_eq!(
            decide(&p, &to(vec![Alias::H323Id("full".into())])),
            reject(17, ReleaseReason::InConf)
        );
        assert_eq!(
            decide(&p, &to(vec![Alias::H323Id("lock".into())])),
            reject(21, ReleaseReason::DestinationRejection)
        );
        // The reasons pair with those causes in H.225.0 Table 5 where the table has the pair.
        assert_eq!(ReleaseReason::InConf.q850_cause(), 17);
    }

    #[test]
    fn a_call_without_alias_uses_the_default_room_or_is_refused() {
        let none = AdmissionRequest::default();
        assert_eq!(
            decide(&Policy::default(), &none),
            reject(28, ReleaseReason::BadFormatAddress)
        );
        let p = Policy {
            default_room: Some("5678".into()),
            ..Policy::default()
        };
        assert_eq!(decide(&p, &none), accept("5678"));
        let p = Policy {
            default_room: Some("full".into()),
            ..Policy::default()
        };
        assert_eq!(decide(&p, &none), reject(17, ReleaseReason::InConf));
        let p = Policy {
            default_room: Some("gone".into()),
            ..Policy::default()
        };
        assert_eq!(
            decide(&p, &none),
            reject(1, ReleaseReason::CalledPartyNotRegistered)
        );
        // A call that names a room does not go to the default room.
        assert_eq!(
            decide(&p, &to(vec![Alias::DialedDigits("9999".into())])),
            reject(1, ReleaseReason::CalledPartyNotRegistered)
        );
    }

    #[test]
    fn auto_create_makes_the_first_named_room() {
        let p = Policy {
            auto_create_rooms: true,
            ..Policy::default()
        };
        let req = to(vec![
            Alias::DialedDigits("4242".into()),
            Alias::H323Id("other".into()),
        ]);
        assert_eq!(
            decide(&p, &req),
            Admission::Accept {
                room: "4242".into(),
                create: true
            }
        );
        // Existing rooms keep their rules.
        assert_eq!(
            decide(&p, &to(vec![Alias::H323Id("lock".into())])),
            reject(21, ReleaseReason::DestinationRejection)
        );
        assert_eq!(
            decide(&p, &to(vec![Alias::H323Id("bad name!".into())])),
            reject(28, ReleaseReason::BadFormatAddress)
        );
    }

    #[test]
    fn other_alias_kinds_never_route() {
        let req = to(vec![Alias::Other("1234".into())]);
        assert_eq!(
            decide(&Policy::default(), &req),
            reject(28, ReleaseReason::BadFormatAddress)
        );
    }
}
