//! TPKT (RFC 1006) framing: any split of a stream yields the same frames, errors carry the
//! stream offset, and a length field never drives allocation.

use h323::tpkt::{encode, Deframer, TpktError, MAX_PAYLOAD};
use proptest::prelude::*;

/// Pushes `stream` cut at `cuts` (positions, any order) and drains after every push.
fn deframe(stream: &[u8], cuts: &[usize]) -> (Vec<Vec<u8>>, Option<TpktError>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    cuts.push(0);
    cuts.push(stream.len());
    cuts.sort_unstable();
    let mut deframer = Deframer::new();
    let mut frames = Vec::new();
    for window in cuts.windows(2) {
        deframer.push(&stream[window[0]..window[1]]);
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

#[test]
fn encode_writes_rfc1006_header() {
    let mut out = vec![0xee];
    encode(&[1, 2, 3], &mut out).unwrap();
    assert_eq!(out, [0xee, 3, 0, 0, 7, 1, 2, 3]);
}

#[test]
fn encode_limits() {
    let mut out = Vec::new();
    encode(&vec![0; MAX_PAYLOAD], &mut out).unwrap();
    assert_eq!(&out[..4], &[3, 0, 0xff, 0xff]);
    let mut out = Vec::new();
    assert_eq!(
        encode(&vec![0; MAX_PAYLOAD + 1], &mut out),
        Err(TpktError::PayloadTooLarge {
            len: MAX_PAYLOAD + 1
        })
    );
    assert!(out.is_empty());
}

#[test]
fn empty_frame_is_a_frame() {
    // A bare header (length 4) is how some H.323 stacks send keep-alives.
    let (frames, err) = deframe(&[3, 0, 0, 4, 3, 0, 0, 5, 9], &[]);
    assert_eq!(frames, vec![vec![], vec![9]]);
    assert_eq!(err, None);
}

#[test]
fn bad_version_reports_stream_offset() {
    let mut stream = Vec::new();
    encode(b"abc", &mut stream).unwrap();
    encode(b"de", &mut stream).unwrap();
    let bad_at = stream.len();
    stream.extend_from_slice(&[0x45, 0, 0, 8]);
    for cuts in [vec![], vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]] {
        let (frames, err) = deframe(&stream, &cuts);
        assert_eq!(frames, vec![b"abc".to_vec(), b"de".to_vec()]);
        assert_eq!(
            err,
            Some(TpktError::BadVersion {
                version: 0x45,
                offset: bad_at as u64
            })
        );
    }
}

#[test]
fn short_length_reports_stream_offset_and_sticks() {
    let mut deframer = Deframer::new();
    deframer.push(&[3, 0, 0, 5, 0xaa, 3, 0, 0, 3, 3, 0, 0, 5, 1]);
    assert_eq!(deframer.next_frame(), Ok(Some(vec![0xaa])));
    let err = TpktError::BadLength {
        length: 3,
        offset: 5,
    };
    assert_eq!(deframer.next_frame(), Err(err.clone()));
    // The stream has lost its frame boundaries: the error stays.
    deframer.push(&[3, 0, 0, 4]);
    assert_eq!(deframer.next_frame(), Err(err));
}

#[test]
fn length_field_does_not_allocate() {
    let mut deframer = Deframer::new();
    deframer.push(&[3, 0, 0xff, 0xff, 1]);
    assert_eq!(deframer.next_frame(), Ok(None));
    assert_eq!(deframer.buffered(), 5);
}

#[test]
fn stream_offset_advances_by_whole_frames() {
    let mut deframer = Deframer::new();
    deframer.push(&[3, 0, 0, 6, 1, 2, 3]);
    assert_eq!(deframer.next_frame(), Ok(Some(vec![1, 2])));
    assert_eq!(deframer.stream_offset(), 6);
    assert_eq!(deframer.buffered(), 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_split_gives_the_same_frames(
        payloads in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
        byte_at_a_time in any::<bool>(),
    ) {
        let mut stream = Vec::new();
        for payload in &payloads {
            encode(payload, &mut stream).unwrap();
        }
        let cuts: Vec<usize> = if byte_at_a_time { (0..stream.len()).collect() } else { cuts };
        let (frames, err) = deframe(&stream, &cuts);
        prop_assert_eq!(err, None);
        prop_assert_eq!(frames, payloads);
    }

    #[test]
    fn garbage_never_panics_and_errors_the_same_for_any_split(
        stream in prop::collection::vec(any::<u8>(), 0..600),
        cuts in prop::collection::vec(any::<usize>(), 0..40),
    ) {
        let whole = deframe(&stream, &[]);
        let split = deframe(&stream, &cuts);
        prop_assert_eq!(whole, split);
    }
}
