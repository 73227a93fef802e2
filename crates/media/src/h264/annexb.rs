//! Annex B byte streams (ITU-T H.264 Annex B): NAL units separated by 0x000001 or 0x00000001
//! start codes. Encoders such as OpenH264 emit this form; RTP carries bare NAL units.

/// Splits an Annex B byte stream into NAL units (without start codes). Bytes before the first
/// start code are ignored; trailing zero bytes of a NAL (part of the next 4-byte start code, or
/// `trailing_zero_8bits`) are trimmed.
pub fn split_annex_b(stream: &[u8]) -> Vec<&[u8]> {
    let mut nals = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i + 3 <= stream.len() {
        if stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1 {
            if let Some(s) = start {
                push_trimmed(&mut nals, &stream[s..i]);
            }
            i += 3;
            start = Some(i);
        } else {
            i += 1;
        }
    }
    if let Some(s) = start {
        push_trimmed(&mut nals, &stream[s..]);
    }
    nals
}

fn push_trimmed<'a>(nals: &mut Vec<&'a [u8]>, nal: &'a [u8]) {
    let end = nal.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    if end > 0 {
        nals.push(&nal[..end]);
    }
}

/// Joins NAL units into an Annex B stream with 4-byte start codes.
pub fn join_annex_b<N: AsRef<[u8]>>(nals: &[N]) -> Vec<u8> {
    let mut out = Vec::with_capacity(nals.iter().map(|n| n.as_ref().len() + 4).sum());
    for nal in nals {
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn three_and_four_byte_start_codes() {
        let s = [
            0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5, 0,
        ];
        let nals = split_annex_b(&s);
        assert_eq!(nals, vec![&[0x67, 1, 2][..], &[0x68, 3], &[0x65, 4, 5]]);
        assert_eq!(split_annex_b(&join_annex_b(&nals)), nals);
        assert!(split_annex_b(&[1, 2, 3]).is_empty());
        assert!(split_annex_b(&[]).is_empty());
    }

    proptest! {
        #[test]
        fn join_split_round_trip(nals in proptest::collection::vec(
            // Real NAL units never contain a start code (emulation prevention) and end non-zero.
            proptest::collection::vec(1u8..=255, 1..50), 0..6)) {
            let joined = join_annex_b(&nals);
            let back: Vec<Vec<u8>> = split_annex_b(&joined).into_iter().map(<[u8]>::to_vec).collect();
            prop_assert_eq!(back, nals);
        }

        #[test]
        fn split_never_panics(bytes in proptest::collection::vec(0u8..3, 0..200)) {
            let _ = split_annex_b(&bytes);
        }
    }
}
