//! TPKT deframer on an arbitrary stream cut into arbitrary chunks: it must not panic, and the
//! frames and error it yields must not depend on where the stream was cut.
#![no_main]

use h323::tpkt::{Deframer, TpktError};
use libfuzzer_sys::fuzz_target;

/// Feeds `chunks` one by one, draining after each; stops at the first error.
fn run<'a>(chunks: impl Iterator<Item = &'a [u8]>) -> (Vec<Vec<u8>>, Option<TpktError>) {
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

fuzz_target!(|data: &[u8]| {
    // The first 8 octets choose the chunk sizes (1..=16, cycling); the rest is the stream.
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
    let whole = run(std::iter::once(stream));
    let split = run(chunks.into_iter());
    assert_eq!(whole, split);
});
