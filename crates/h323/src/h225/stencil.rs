//! Aligned-PER coding of the user-information of the messages that follow a Setup, through
//! stencils: the octets of one message shape with the places of the values that change from
//! call to call.
//!
//! After the Setup, a call's H.225.0 messages (callProceeding, alerting, connect, facility,
//! progress, releaseComplete, and the `empty` body that carries tunnelled H.245) differ from
//! call to call only in octet strings: the call identifier, the conference identifier, the
//! fastStart elements and the tunnelled H.245 PDUs. Each is octet-aligned in aligned PER and
//! written verbatim, so a value of the same length occupies the same octets whatever it holds.
//! rasn's generic PER walk over these messages (structures of up to 2.5 KB, with dozens of
//! optional extension additions) was a tenth of the MCU's CPU per call, with each message coded
//! once on each side (issue 4). This is the same idea as [`crate::h245::stencil`], one level
//! up.
//!
//! A message's *shape* is the message with each of those octet strings replaced by a run of
//! [`BASE`] octets of the same length. A [`Stencil`] is learnt from a shape: its octets, and for
//! each value the octets that change, and only those, when that value is set to [`PROBE`]
//! octets. (`0x00` would not do as the base: an all-zero call identifier is the field's
//! default, which PER leaves out.) Encoding a message of a known shape copies the octets and
//! writes its values in; decoding octets that match a known shape outside the places clones the
//! shape and reads the values out. Both give exactly what rasn gives (tests compare them on our
//! messages and on real third-party captures); a value that is the default, or anything else
//! unexpected, leaves the message to rasn.
//!
//! A shape is learnt the second time it is met, so a peer whose messages never repeat costs a
//! clone and a comparison per message, not a learning. The Setup is never stencilled: its
//! aliases and display name are strings of any length that differ from caller to caller. The
//! memo holds [`CAPACITY`] shapes per thread and replaces them in turn.

use std::cell::RefCell;

use rasn::types::OctetString;

use super::user_info::{Place, UserInfo};
use crate::h245::ring::Ring;
use crate::h245::stencil::only_difference;
use crate::per::PerError;

/// Shapes remembered per thread: a server sees a handful of message kinds from a few kinds of
/// peer.
const CAPACITY: usize = 24;

/// The octet that fills each value's place in a shape.
const BASE: u8 = 0x5A;
/// The octet that finds a place: every bit differs from [`BASE`].
const PROBE: u8 = 0xA5;

/// Values longer than this (a fastStart element or tunnelled PDU) leave the message to rasn;
/// the shape's runs of [`BASE`] octets are slices of one static array.
const MAX_VALUE: usize = 2048;
static BASE_OCTETS: [u8; MAX_VALUE] = [BASE; MAX_VALUE];

/// Largest message coded through a stencil: bigger ones are rare, and the comparison and the
/// memory would cost more than the walk.
const MAX_MESSAGE: usize = 4096;

thread_local! {
    static STENCILS: RefCell<Ring<Known, CAPACITY>> = const { RefCell::new(Ring::new()) };
}

/// Encodes `info` in aligned PER: what [`UserInfo::encode`] gives, from a stencil when the
/// message's shape is known. It takes the message by value so that finding its shape needs no
/// copy.
pub fn encode(mut info: UserInfo) -> Result<Vec<u8>, PerError> {
    let Some(values) = hollow(&mut info) else {
        return info.encode();
    };
    let filled = STENCILS.with_borrow_mut(|s| {
        let k = s.entries.iter_mut().find(|k| k.shape == info)?;
        Some(k.stencil().map(|st| st.fill(&values)))
    });
    match filled {
        Some(Some(bytes)) => Ok(bytes),
        Some(None) => {
            refill(&mut info, values);
            info.encode()
        }
        None => {
            let shape = info.clone();
            refill(&mut info, values);
            let bytes = info.encode()?;
            if bytes.len() <= MAX_MESSAGE {
                STENCILS.with_borrow_mut(|s| s.insert(Known::seen(shape)));
            }
            Ok(bytes)
        }
    }
}

/// Decodes an H323-UserInformation: what [`UserInfo::decode`] gives, from a stencil when the
/// octets have a known shape.
pub fn decode(bytes: &[u8]) -> Result<UserInfo, PerError> {
    if bytes.len() > MAX_MESSAGE {
        return UserInfo::decode(bytes);
    }
    let read = STENCILS.with_borrow(|s| s.entries.iter().find_map(|k| k.read(bytes)));
    if let Some(info) = read {
        return Ok(info);
    }
    let info = UserInfo::decode(bytes)?;
    let mut shape = info.clone();
    if hollow(&mut shape).is_some() {
        STENCILS.with_borrow_mut(|s| {
            match s.entries.iter_mut().find(|k| k.shape == shape) {
                // Seen before: learn it now.
                Some(k) => {
                    k.stencil();
                }
                None => s.insert(Known::seen(shape)),
            }
        });
    }
    Ok(info)
}

/// The values of a message that its shape leaves out, in [`UserInfo::places_mut`] order.
type Values = Vec<Value>;

/// One value taken out of a message.
enum Value {
    /// A call or conference identifier.
    Id([u8; 16]),
    /// A fastStart element or a tunnelled H.245 PDU.
    Octets(OctetString),
}

impl Value {
    fn octets(&self) -> &[u8] {
        match self {
            Value::Id(id) => id,
            Value::Octets(o) => o,
        }
    }
}

/// Turns `info` into its shape in place and returns the values taken out; `None` (with
/// `info` unchanged) for a message not coded through stencils.
fn hollow(info: &mut UserInfo) -> Option<Values> {
    let mut places = info.places_mut()?;
    let fits = places.iter().all(|p| match p {
        // An all-zero identifier is the default, which PER leaves out: not a fixed place.
        Place::Id(id) => **id != [0; 16],
        Place::Octets(o) => o.len() <= MAX_VALUE,
    });
    if !fits {
        return None;
    }
    Some(
        places
            .iter_mut()
            .map(|p| match p {
                Place::Id(id) => Value::Id(std::mem::replace(*id, [BASE; 16])),
                Place::Octets(o) => {
                    let base = OctetString::from_static(&BASE_OCTETS[..o.len()]);
                    Value::Octets(std::mem::replace(*o, base))
                }
            })
            .collect(),
    )
}

/// Puts back the values [`hollow`] took out (or [`Stencil::read`] found).
fn refill(info: &mut UserInfo, values: Values) {
    if let Some(mut places) = info.places_mut() {
        for (p, v) in places.iter_mut().zip(values) {
            match (p, v) {
                (Place::Id(id), Value::Id(v)) => **id = v,
                (Place::Octets(o), Value::Octets(v)) => **o = v,
                // Values come from the same shape, so the kinds always agree.
                _ => {}
            }
        }
    }
}

/// A shape met before, and what is known of its stencil.
struct Known {
    shape: UserInfo,
    stencil: Learnt,
}

enum Learnt {
    /// Met once: learnt if met again.
    Seen,
    /// Its places, found.
    Yes(Stencil),
    /// Its places could not be found; rasn codes it every time.
    No,
}

impl Known {
    fn seen(shape: UserInfo) -> Known {
        Known {
            shape,
            stencil: Learnt::Seen,
        }
    }

    /// The stencil, learnt now if this is the second meeting.
    fn stencil(&mut self) -> Option<&Stencil> {
        if matches!(self.stencil, Learnt::Seen) {
            self.stencil = match Stencil::learn(&self.shape) {
                Some(s) => Learnt::Yes(s),
                None => Learnt::No,
            };
        }
        match &self.stencil {
            Learnt::Yes(s) => Some(s),
            _ => None,
        }
    }

    /// The message `bytes` encode, if they are this shape with other values.
    fn read(&self, bytes: &[u8]) -> Option<UserInfo> {
        let Learnt::Yes(stencil) = &self.stencil else {
            return None;
        };
        let values = stencil.read(bytes)?;
        let mut info = self.shape.clone();
        refill(&mut info, values);
        Some(info)
    }
}

/// One shape's octets and where its values go.
struct Stencil {
    bytes: Vec<u8>,
    /// Per value (in [`UserInfo::places_mut`] order): its offset and length.
    places: Vec<(usize, usize)>,
    /// Indexes into `places`, by offset.
    by_offset: Vec<usize>,
    /// Per value: whether it is an identifier (16 octets) rather than an octet string.
    ids: Vec<bool>,
}

impl Stencil {
    fn learn(shape: &UserInfo) -> Option<Stencil> {
        let bytes = shape.encode().ok()?;
        let ids: Vec<bool> = shape
            .clone()
            .places_mut()?
            .iter()
            .map(|p| matches!(p, Place::Id(_)))
            .collect();
        let count = ids.len();
        let mut places = Vec::with_capacity(count);
        for i in 0..count {
            let mut probe = shape.clone();
            let mut p = probe.places_mut()?;
            let len = match &mut p[i] {
                Place::Id(id) => {
                    **id = [PROBE; 16];
                    16
                }
                Place::Octets(o) => {
                    let len = o.len();
                    **o = OctetString::from(vec![PROBE; len]);
                    len
                }
            };
            if len == 0 {
                // An empty octet string: nothing to write, and the same octets in every message.
                places.push((bytes.len(), 0));
                continue;
            }
            let moved = probe.encode().ok()?;
            places.push((only_difference(&bytes, &moved, len, BASE, PROBE)?, len));
        }
        let mut by_offset: Vec<usize> = (0..count).collect();
        by_offset.sort_by_key(|&i| places[i].0);
        // Places found one at a time must not overlap (they cannot in a valid encoding).
        let overlap = by_offset
            .windows(2)
            .any(|w| places[w[0]].0 + places[w[0]].1 > places[w[1]].0);
        if overlap {
            return None;
        }
        Some(Stencil {
            bytes,
            places,
            by_offset,
            ids,
        })
    }

    fn fill(&self, values: &Values) -> Vec<u8> {
        let mut out = self.bytes.clone();
        for (&(at, len), v) in self.places.iter().zip(values) {
            out[at..at + len].copy_from_slice(v.octets());
        }
        out
    }

    /// The values in `bytes`, if they are this shape's octets with other values.
    fn read(&self, bytes: &[u8]) -> Option<Values> {
        if bytes.len() != self.bytes.len() {
            return None;
        }
        let mut from = 0;
        for &i in &self.by_offset {
            let (at, len) = self.places[i];
            if bytes[from..at] != self.bytes[from..at] {
                return None;
            }
            from = at + len;
        }
        if bytes[from..] != self.bytes[from..] {
            return None;
        }
        self.places
            .iter()
            .zip(&self.ids)
            .map(|(&(at, len), &id)| {
                let v = &bytes[at..at + len];
                if id {
                    // The same rule as `hollow`: the default identifier is not a place's value.
                    let id: [u8; 16] = v.try_into().ok()?;
                    (id != [0; 16]).then_some(Value::Id(id))
                } else {
                    Some(Value::Octets(OctetString::from_slice(v)))
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
