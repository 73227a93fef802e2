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

/// The octet a decode error names, if the error is a decode error.
fn fault_offset<T: rasn::Decode>(bytes: &[u8]) -> Option<usize> {
    match per::decode::<T>(bytes) {
        Err(per::PerError::Decode { offset, .. }) => Some(offset),
        _ => None,
    }
}

/// A decode error names the octet where the decoder found the fault. Corrupting octet `i` of a
/// valid PDU leaves octets `0..i` a valid prefix, so the fault cannot be found before `i`; and
/// it is never past the input. Often (a corrupted CHOICE index, length or enumeration) it is `i`
/// itself, which shows the offset follows the corruption rather than sitting at the end.
#[test]
fn decode_errors_name_the_faulty_octet() {
    fn sweep<T: rasn::Decode>(ty: &str, at_fault: &mut usize, failures: &mut usize) {
        // Two PDUs of each type: every octet corrupted costs a decode plus up to 17 for
        // the offset search, in an unoptimised build.
        for pdu in oracle::captured(ty).iter().take(2) {
            let bytes = &pdu.bytes;
            for i in 0..bytes.len() {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= 0xff;
                let Some(offset) = fault_offset::<T>(&corrupt) else {
                    continue;
                };
                *failures += 1;
                assert!(
                    offset >= i && offset < corrupt.len(),
                    "{ty} from {}: octet {i} corrupted, error names octet {offset} of {}",
                    pdu.capture,
                    corrupt.len()
                );
                if offset == i {
                    *at_fault += 1;
                }
            }
            // A valid PDU cut short runs out of input: the error names its last octet.
            for cut in 1..bytes.len() {
                if let Some(offset) = fault_offset::<T>(&bytes[..cut]) {
                    assert_eq!(offset, cut - 1, "{ty} from {}: cut at {cut}", pdu.capture);
                }
            }
        }
    }
    let (mut at_fault, mut failures) = (0, 0);
    sweep::<h323::asn::h225::H323UserInformation>(
        "H323-UserInformation",
        &mut at_fault,
        &mut failures,
    );
    sweep::<h323::asn::h225::RasMessage>("RasMessage", &mut at_fault, &mut failures);
    sweep::<MultimediaSystemControlMessage>(
        "MultimediaSystemControlMessage",
        &mut at_fault,
        &mut failures,
    );
    assert!(
        failures > 50,
        "only {failures} corruptions failed to decode"
    );
    // Corruptions that make a length overrun the input are named at the end (per.rs);
    // the rest (a CHOICE index, enumeration or constrained value) at the octet itself.
    assert!(
        at_fault >= 10,
        "the error named the corrupted octet itself in only {at_fault} of {failures} cases"
    );
    println!("{at_fault} of {failures} corruptions: error names the corrupted octet itself");
}
