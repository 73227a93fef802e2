//! Compound RTCP (RFC 3550 §6.1): several packets back to back in one datagram, each delimited
//! by its length field, plus the RFC 5761 §4 test that tells RTCP from RTP on a shared port.

use super::feedback::{FMT_FIR, FMT_PLI};
use super::{
    Bye, Fir, Pli, Reader, ReceiverReport, RtcpBuildError, RtcpError, RtcpPacket, Sdes,
    SenderReport, PT_BYE, PT_PSFB, PT_RR, PT_SDES, PT_SR,
};

/// Whether a datagram on a muxed RTP/RTCP port is RTCP: the second octet is a packet type in
/// 192..=223, which RTP payload types (with or without marker) avoid (RFC 5761 §4).
pub fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 4 && datagram[0] >> 6 == 2 && (192..=223).contains(&datagram[1])
}

/// Parses every packet of a compound datagram.
///
/// Lengths, versions and padding are checked; the RFC 3550 §6.1 rule that the first packet be a
/// report is not, because RFC 5506 reduced-size feedback (a lone PLI) is legitimate too.
pub fn parse_compound(buf: &[u8]) -> Result<Vec<RtcpPacket>, RtcpError> {
    if buf.is_empty() {
        return Err(RtcpError::Empty);
    }
    let mut packets = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let available = buf.len() - at;
        if available < 4 {
            return Err(RtcpError::Truncated {
                field: "header",
                offset: at,
                needed: 4,
                available,
            });
        }
        let version = buf[at] >> 6;
        if version != 2 {
            return Err(RtcpError::BadVersion {
                offset: at,
                version,
            });
        }
        let padded = buf[at] & 0x20 != 0;
        let count = buf[at] & 0x1f;
        let packet_type = buf[at + 1];
        let len = (usize::from(u16::from_be_bytes([buf[at + 2], buf[at + 3]])) + 1) * 4;
        if len > available {
            return Err(RtcpError::Truncated {
                field: "packet body",
                offset: at,
                needed: len,
                available,
            });
        }
        let mut end = at + len;
        if padded {
            let pad = buf[end - 1];
            if pad == 0 || usize::from(pad) > len - 4 {
                return Err(RtcpError::BadPadding {
                    offset: end - 1,
                    count: pad,
                });
            }
            end -= usize::from(pad);
        }
        let body = &buf[at + 4..end];
        let mut r = Reader::new(body, at + 4);
        let packet = match (packet_type, count) {
            (PT_SR, _) => RtcpPacket::SenderReport(SenderReport::parse(count, &mut r)?),
            (PT_RR, _) => RtcpPacket::ReceiverReport(ReceiverReport::parse(count, &mut r)?),
            (PT_SDES, _) => RtcpPacket::Sdes(Sdes::parse(count, &mut r)?),
            (PT_BYE, _) => RtcpPacket::Bye(Bye::parse(count, &mut r)?),
            (PT_PSFB, FMT_PLI) => RtcpPacket::Pli(Pli::parse(&mut r)?),
            (PT_PSFB, FMT_FIR) => RtcpPacket::Fir(Fir::parse(&mut r)?),
            _ => RtcpPacket::Unknown {
                packet_type,
                count,
                body: body.to_vec(),
            },
        };
        packets.push(packet);
        at += len;
    }
    Ok(packets)
}

/// Serializes packets into one compound datagram; the first must be SR or RR (RFC 3550 §6.1).
/// Use [`RtcpPacket::write`] directly for RFC 5506 reduced-size feedback.
pub fn build_compound(packets: &[RtcpPacket]) -> Result<Vec<u8>, RtcpBuildError> {
    if !matches!(
        packets.first(),
        Some(RtcpPacket::SenderReport(_) | RtcpPacket::ReceiverReport(_))
    ) {
        return Err(RtcpBuildError::FirstNotReport);
    }
    let mut out = Vec::new();
    for p in packets {
        p.write(&mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{FirEntry, NtpTime, ReportBlock, SdesChunk, SdesItem};
    use super::*;
    use proptest::prelude::*;

    fn sample() -> Vec<RtcpPacket> {
        vec![
            RtcpPacket::SenderReport(SenderReport {
                ssrc: 0x1111_2222,
                ntp_time: NtpTime(0xe000_0000_8000_0000),
                rtp_timestamp: 160_000,
                packet_count: 1000,
                octet_count: 160_000,
                reports: vec![ReportBlock {
                    ssrc: 0x3333_4444,
                    fraction_lost: 25,
                    cumulative_lost: -3,
                    extended_highest_seq: 0x0001_0005,
                    jitter: 77,
                    last_sr: 0x1234_5678,
                    delay_since_last_sr: 65536,
                }],
            }),
            RtcpPacket::Sdes(Sdes::cname(0x1111_2222, "cascade@127.0.0.1")),
            RtcpPacket::Bye(Bye {
                sources: vec![0x1111_2222],
                reason: Some(b"bye".to_vec()),
            }),
            RtcpPacket::Pli(Pli {
                sender_ssrc: 1,
                media_ssrc: 2,
            }),
            RtcpPacket::Fir(Fir {
                sender_ssrc: 1,
                entries: vec![FirEntry { ssrc: 2, seq: 9 }],
            }),
            RtcpPacket::Unknown {
                packet_type: 204,
                count: 3,
                body: vec![0, 0, 0, 1, b'n', b'a', b'm', b'e'],
            },
        ]
    }

    #[test]
    fn compound_round_trip() {
        let packets = sample();
        let bytes = build_compound(&packets).unwrap();
        assert_eq!(bytes.len() % 4, 0);
        assert!(is_rtcp(&bytes));
        assert_eq!(parse_compound(&bytes).unwrap(), packets);
    }

    #[test]
    fn sdes_chunk_padding_is_32_bit() {
        for n in 0..8 {
            let cname = "x".repeat(n);
            let sdes = Sdes::cname(7, &cname);
            let mut out = Vec::new();
            sdes.write(&mut out).unwrap();
            assert_eq!(out.len() % 4, 0);
            // header 4 + ssrc 4 + type/len 2 + text + at least one null
            assert!(out.len() > 10 + n);
            let back = parse_compound(&out).unwrap();
            assert_eq!(back, vec![RtcpPacket::Sdes(sdes.clone())]);
            assert_eq!(sdes.cname_of(7), Some(cname.as_bytes()));
        }
    }

    #[test]
    fn rejects_with_offsets() {
        let bytes = build_compound(&sample()).unwrap();
        let second = 4 + 24 + 24;
        let mut bad = bytes.clone();
        bad[second] = 0x40 | (bad[second] & 0x3f);
        assert_eq!(
            parse_compound(&bad),
            Err(RtcpError::BadVersion {
                offset: second,
                version: 1
            })
        );
        assert!(matches!(
            parse_compound(&bytes[..second + 6]),
            Err(RtcpError::Truncated { field: "packet body", offset, .. }) if offset == second
        ));
        // An RR claiming two report blocks but carrying none.
        let rr = [0x82, 201, 0, 1, 0, 0, 0, 1];
        assert!(matches!(
            parse_compound(&rr),
            Err(RtcpError::Truncated { offset: 8, .. })
        ));
        // Padding that eats the header.
        let padded = [0xa0, 201, 0, 1, 0, 0, 0, 9];
        assert_eq!(
            parse_compound(&padded),
            Err(RtcpError::BadPadding {
                offset: 7,
                count: 9
            })
        );
        assert_eq!(parse_compound(&[]), Err(RtcpError::Empty));
        assert_eq!(
            build_compound(&sample()[1..]),
            Err(RtcpBuildError::FirstNotReport)
        );
        let too_many = RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 0,
            reports: vec![ReportBlock::default(); 32],
        });
        assert_eq!(
            build_compound(&[too_many]),
            Err(RtcpBuildError::TooManyEntries(32))
        );
        let long = RtcpPacket::Sdes(Sdes {
            chunks: vec![SdesChunk {
                ssrc: 0,
                items: vec![SdesItem {
                    kind: 1,
                    value: vec![b'a'; 256],
                }],
            }],
        });
        let mut out = Vec::new();
        assert_eq!(long.write(&mut out), Err(RtcpBuildError::TextTooLong(256)));
    }

    #[test]
    fn padded_last_packet_parses() {
        // RR with no blocks, then 4 bytes of padding (count 4).
        let rr = [0xa0, 201, 0, 2, 0, 0, 0, 5, 0, 0, 0, 4];
        assert_eq!(
            parse_compound(&rr).unwrap(),
            vec![RtcpPacket::ReceiverReport(ReceiverReport {
                ssrc: 5,
                reports: vec![]
            })]
        );
    }

    fn arb_block() -> impl Strategy<Value = ReportBlock> {
        (
            any::<u32>(),
            any::<u8>(),
            -(1i32 << 23)..(1 << 23),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(|(ssrc, f, c, e, j, l, d)| ReportBlock {
                ssrc,
                fraction_lost: f,
                cumulative_lost: c,
                extended_highest_seq: e,
                jitter: j,
                last_sr: l,
                delay_since_last_sr: d,
            })
    }

    fn arb_packet() -> impl Strategy<Value = RtcpPacket> {
        let text = proptest::collection::vec(any::<u8>(), 0..40);
        prop_oneof![
            (
                any::<u32>(),
                any::<u64>(),
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
                proptest::collection::vec(arb_block(), 0..4)
            )
                .prop_map(|(ssrc, ntp, ts, pc, oc, reports)| {
                    RtcpPacket::SenderReport(SenderReport {
                        ssrc,
                        ntp_time: NtpTime(ntp),
                        rtp_timestamp: ts,
                        packet_count: pc,
                        octet_count: oc,
                        reports,
                    })
                }),
            (any::<u32>(), proptest::collection::vec(arb_block(), 0..4)).prop_map(
                |(ssrc, reports)| RtcpPacket::ReceiverReport(ReceiverReport { ssrc, reports })
            ),
            proptest::collection::vec(
                (
                    any::<u32>(),
                    proptest::collection::vec((1u8..=255, text.clone()), 0..3)
                ),
                0..3
            )
            .prop_map(|chunks| RtcpPacket::Sdes(Sdes {
                chunks: chunks
                    .into_iter()
                    .map(|(ssrc, items)| SdesChunk {
                        ssrc,
                        items: items
                            .into_iter()
                            .map(|(kind, value)| SdesItem { kind, value })
                            .collect(),
                    })
                    .collect(),
            })),
            (
                proptest::collection::vec(any::<u32>(), 0..4),
                proptest::option::of(text)
            )
                .prop_map(|(sources, reason)| RtcpPacket::Bye(Bye { sources, reason })),
            (any::<u32>(), any::<u32>()).prop_map(|(s, m)| RtcpPacket::Pli(Pli {
                sender_ssrc: s,
                media_ssrc: m
            })),
            (
                any::<u32>(),
                proptest::collection::vec((any::<u32>(), any::<u8>()), 0..3)
            )
                .prop_map(|(s, e)| RtcpPacket::Fir(Fir {
                    sender_ssrc: s,
                    entries: e
                        .into_iter()
                        .map(|(ssrc, seq)| FirEntry { ssrc, seq })
                        .collect()
                })),
        ]
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_compound(&bytes);
        }

        #[test]
        fn parse_never_panics_on_plausible_headers(
            words in proptest::collection::vec(any::<u32>(), 1..40),
            pt in 200u8..207, count in 0u8..32, padded in any::<bool>(),
        ) {
            let mut bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
            bytes[0] = 0x80 | u8::from(padded) << 5 | count;
            bytes[1] = pt;
            let len = (bytes.len() / 4 - 1) as u16;
            bytes[2..4].copy_from_slice(&len.to_be_bytes());
            let _ = parse_compound(&bytes);
        }

        #[test]
        fn build_parse_round_trip(packets in proptest::collection::vec(arb_packet(), 0..5), first in arb_block()) {
            let mut all = vec![RtcpPacket::ReceiverReport(ReceiverReport { ssrc: 1, reports: vec![first] })];
            all.extend(packets);
            let bytes = build_compound(&all).unwrap();
            prop_assert_eq!(parse_compound(&bytes).unwrap(), all);
        }
    }
}
