//! Hostile input: rasn 0.30's aligned-PER decoder, behind `per::decode`,
//! `UserInfo::decode` and `Ras::decode`, never panics and never makes an
//! allocation much larger than its input, whatever length fields claim.
//!
//! A counting global allocator records the largest single allocation made by the
//! current thread while decoding; inputs are random octets, mutated real
//! captures, and hand-made PDUs whose length determinants claim 16K–64K-element
//! fragments or 2^31 bytes.

mod oracle;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use h323::asn::h245::MultimediaSystemControlMessage;
use h323::h225::ras::Ras;
use h323::h225::UserInfo;
use h323::per;
use proptest::prelude::*;

struct PeakAlloc;

thread_local! {
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only records the request size in a
// const-initialised thread-local Cell (no allocation, no destructor).
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = PEAK.try_with(|p| p.set(p.get().max(layout.size())));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = PEAK.try_with(|p| p.set(p.get().max(new_size)));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// Largest allocation a decode may make for `len` input octets. rasn reserves a
/// SEQUENCE OF for `min(claimed count, remaining input bits)` elements, so a
/// length field alone cannot force more than one element per input bit; the
/// largest SEQUENCE OF element type of H.225.0/H.245/H.235 is 3008 bytes (the
/// H323-UU-PDU records of an IRR's perCallInfo), and a claimed count is at most
/// 64K. 64 KiB covers fixed-size scratch buffers.
fn alloc_bound(len: usize) -> usize {
    const LARGEST_ELEMENT: usize = 3008;
    64 * 1024 + (len * 8).min(65_536) * LARGEST_ELEMENT
}

/// Decodes `bytes` as every top-level PDU type, re-encodes what decodes, and
/// checks the allocation bound. Panics (failing the test) only on a violated property.
fn exercise(bytes: &[u8]) {
    PEAK.with(|p| p.set(0));
    if let Ok(ui) = UserInfo::decode(bytes) {
        if let Ok(again) = ui.encode() {
            assert_eq!(
                UserInfo::decode(&again).expect("re-decode our encoding"),
                ui
            );
        }
    }
    if let Ok(ras) = Ras::decode(bytes) {
        if let Ok(again) = ras.encode() {
            assert_eq!(Ras::decode(&again).expect("re-decode our encoding"), ras);
        }
    }
    if let Ok(m) = per::decode::<MultimediaSystemControlMessage>(bytes) {
        if let Ok(again) = per::encode(&m) {
            assert_eq!(
                per::decode::<MultimediaSystemControlMessage>(&again).expect("re-decode"),
                m
            );
        }
    }
    let peak = PEAK.with(Cell::get);
    assert!(
        peak <= alloc_bound(bytes.len()),
        "{} input octets made a {peak}-octet allocation",
        bytes.len()
    );
}

fn corpus() -> Vec<Vec<u8>> {
    [
        "H323-UserInformation",
        "RasMessage",
        "MultimediaSystemControlMessage",
    ]
    .iter()
    .flat_map(|t| oracle::captured(t))
    .map(|p| p.bytes)
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_octets(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_captures(
        pick in any::<prop::sample::Index>(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let corpus = corpus();
        let mut bytes = corpus[pick.index(corpus.len())].clone();
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        exercise(&bytes);
    }
}

#[test]
fn length_fields_cannot_force_large_allocations() {
    // An H323-UserInformation whose Setup claims fastStart/h245Control lists and
    // strings of 16K..64K elements (fragment headers 0xC1..0xC4) and then ends;
    // the same headers at every offset of a short buffer.
    let headers: [&[u8]; 6] = [
        &[0xc1],
        &[0xc4],
        &[0xbf, 0xff],
        &[0x80, 0x00],
        &[0xff, 0xff, 0xff, 0xff],
        &[0x7f],
    ];
    let base = corpus();
    for pdu in base.iter().take(40) {
        for h in headers {
            for at in 0..pdu.len().min(48) {
                let mut bytes = pdu[..at].to_vec();
                bytes.extend_from_slice(h);
                bytes.extend(std::iter::repeat_n(0xff, 16));
                exercise(&bytes);
            }
        }
    }
}

#[test]
fn oversized_input_is_refused_without_decoding() {
    let big = vec![0u8; per::MAX_PDU_LEN + 1];
    assert!(matches!(
        UserInfo::decode(&big),
        Err(per::PerError::TooLong { .. })
    ));
    assert!(matches!(
        Ras::decode(&big),
        Err(per::PerError::TooLong { .. })
    ));
}
