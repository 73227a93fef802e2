//! One function per fuzz target: feed arbitrary bytes to a parser that reads the network and
//! panic if a property fails. Used both by libFuzzer (`fuzz_targets/`) and by the replay test
//! (`crates/h323/tests/fuzz_replay.rs`), so it only depends on `h323`.

use h323::asn::h245::{MultimediaSystemControlMessage, OpenLogicalChannel};
use h323::h225::ras::Ras;
use h323::h225::{self, UserInfo};
use h323::h245::{coding, names, stencil};
use h323::per;
use h323::q931::Message;
use h323::tpkt::{Deframer, TpktError};

/// A target's check.
pub type Check = fn(&[u8]);

/// Every target by name, for the replay test.
pub const TARGETS: &[(&str, Check)] = &[
    ("tpkt_stream", tpkt_stream),
    ("q931", q931),
    ("h225_user_info", h225_user_info),
    ("ras", ras),
    ("h245", h245),
    ("fast_start", fast_start),
];

/// Feeds `chunks` one by one, draining after each; stops at the first error.
fn deframe<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> (Vec<Vec<u8>>, Option<TpktError>) {
    let mut deframer = Deframer::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        deframer.push(chunk);
        loop {
            match deframer.next_frame() {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => break,
                Err(err) => return (frames, Some(err)),
            }
        }
    }
    (frames, None)
}

/// TPKT deframer on a stream cut into arbitrary chunks: no panic, and the frames and error do
/// not depend on where the stream was cut. The first 8 octets choose the chunk sizes (1..=16,
/// cycling); the rest is the stream.
pub fn tpkt_stream(data: &[u8]) {
    let (sizes, stream) = data.split_at(data.len().min(8));
    let mut chunks = Vec::new();
    let mut rest = stream;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(rest.len().min(usize::from(size % 16) + 1));
        chunks.push(chunk);
        rest = tail;
    }
    let whole = deframe(std::iter::once(stream));
    let split = deframe(chunks.into_iter());
    assert_eq!(whole, split);
}

/// Q.931: no panic; anything accepted survives encode → decode unchanged and re-encodes to the
/// same octets.
pub fn q931(data: &[u8]) {
    if let Ok(msg) = Message::decode(data) {
        let bytes = msg.encode();
        let again = Message::decode(&bytes).expect("our own encoding decodes");
        assert_eq!(again, msg);
        assert_eq!(again.encode(), bytes);
    }
}

/// H323-UserInformation: no panic; anything accepted that re-encodes decodes back equal; the
/// stencil coder the call uses answers as rasn does.
pub fn h225_user_info(data: &[u8]) {
    agrees_with_rasn(
        data,
        (h225::stencil::decode, |u| h225::stencil::encode(u.clone())),
        (UserInfo::decode, UserInfo::encode),
    );
    if let Ok(ui) = UserInfo::decode(data) {
        if let Ok(bytes) = ui.encode() {
            let again = UserInfo::decode(&bytes).expect("our own encoding decodes");
            assert_eq!(again, ui);
        }
    }
}

/// RAS: no panic; anything accepted that re-encodes decodes back equal.
pub fn ras(data: &[u8]) {
    if let Ok(m) = Ras::decode(data) {
        if let Ok(bytes) = m.encode() {
            let again = Ras::decode(&bytes).expect("our own encoding decodes");
            assert_eq!(again, m);
        }
    }
}

/// H.245: no panic; the message has a name; anything accepted that re-encodes decodes back equal.
pub fn h245(data: &[u8]) {
    // The memo in front of rasn answers exactly as rasn does, also once it holds this input.
    agrees_with_rasn(
        data,
        (coding::decode, coding::encode),
        (per::decode, per::encode::<MultimediaSystemControlMessage>),
    );
    if let Ok(m) = per::decode::<MultimediaSystemControlMessage>(data) {
        assert!(!names::message_name(&m).is_empty());
        if let Ok(bytes) = per::encode(&m) {
            let again: MultimediaSystemControlMessage =
                per::decode(&bytes).expect("our own encoding decodes");
            assert_eq!(again, m);
        }
    }
}

/// A fastStart element (an OpenLogicalChannel) through the stencil coder: on every input it
/// must agree with rasn, before and after it has learnt the input's shape (the stencils learnt
/// from earlier inputs stay, so later inputs are read through them when they fit).
pub fn fast_start(data: &[u8]) {
    agrees_with_rasn(
        data,
        (stencil::decode, |olc| stencil::encode(olc.clone())),
        (per::decode, per::encode::<OpenLogicalChannel>),
    );
}

/// A decoder and an encoder of one type.
type Coder<T, D, E> = (fn(&[u8]) -> Result<T, D>, fn(&T) -> Result<Vec<u8>, E>);

/// A coder in front of rasn (`ours`) decodes `data` as rasn through `per` does, three times
/// (the later times from whatever the earlier ones taught it: a UU stencil is learnt at the
/// second meeting), and re-encodes what it decoded as rasn does.
fn agrees_with_rasn<T: PartialEq + std::fmt::Debug, D, E, D2, E2>(
    data: &[u8],
    ours: Coder<T, D, E>,
    rasn: Coder<T, D2, E2>,
) {
    let reference = (rasn.0)(data).ok();
    for _ in 0..3 {
        assert_eq!((ours.0)(data).ok(), reference, "decode differs from rasn");
    }
    if let Some(v) = &reference {
        assert_eq!(
            (ours.1)(v).ok(),
            (rasn.1)(v).ok(),
            "encode differs from rasn"
        );
    }
}
