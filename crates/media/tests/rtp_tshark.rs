//! Oracle: RTP packets we serialize (plain G.711, CSRC/extension/padding, sequence wrap, and a
//! relayed stream spliced from two sources by the `Rewriter`) are read back by tshark with the
//! same header fields, with no malformed or warning-level expert items.

mod support;

use std::time::{Duration, Instant};

use media::g711::Law;
use media::rtp::{ClockRate, CsrcList, Extension, Rewriter, RtpPacket};
use support::{have_tshark, temp_path, tshark_fields, tshark_filter, PcapWriter};

const PORT: u16 = 40_000;

#[derive(Debug, PartialEq, Eq)]
struct Expect {
    seq: u16,
    pt: u8,
    ssrc: u32,
    ts: u32,
    marker: bool,
    padding: bool,
    ext: bool,
    cc: usize,
}

fn tshark_rtp(path: &std::path::Path) -> Vec<Expect> {
    let decode = format!("udp.port=={PORT},rtp");
    tshark_fields(
        path,
        &["-d", &decode],
        &[
            "rtp.seq",
            "rtp.p_type",
            "rtp.ssrc",
            "rtp.timestamp",
            "rtp.marker",
            "rtp.padding",
            "rtp.ext",
            "rtp.cc",
        ],
    )
    .into_iter()
    .map(|r| Expect {
        seq: r[0].parse().unwrap(),
        pt: r[1].parse().unwrap(),
        ssrc: u32::from_str_radix(r[2].trim_start_matches("0x"), 16).unwrap(),
        ts: r[3].parse().unwrap(),
        marker: r[4] == "1",
        padding: r[5] == "1",
        ext: r[6] == "1",
        cc: r[7].parse().unwrap(),
    })
    .collect()
}

fn expect(p: &RtpPacket<'_>) -> Expect {
    Expect {
        seq: p.sequence,
        pt: p.payload_type,
        ssrc: p.ssrc,
        ts: p.timestamp,
        marker: p.marker,
        padding: p.padding > 0,
        ext: p.extension.is_some(),
        cc: p.csrc.len(),
    }
}

fn assert_clean(path: &std::path::Path) {
    let decode = format!("udp.port=={PORT},rtp");
    let bad = tshark_filter(
        path,
        &["-d", &decode],
        "_ws.malformed || _ws.expert.severity >= warning",
    );
    assert!(bad.is_empty(), "tshark flagged:\n{bad}");
}

#[test]
fn g711_stream_csrc_extension_padding_and_wrap() {
    if !have_tshark("rtp_tshark") {
        return;
    }
    let mut pcap = PcapWriter::new();
    let mut expected = Vec::new();
    let mut pcm = [0i16; 160];
    media::tone::Tone::new(440.0, 6000, 8000).fill(&mut pcm);
    let mut payload = [0u8; 160];
    Law::Alaw.encode(&pcm, &mut payload);
    // An RFC 8285 one-byte-header extension: element id 1, one byte 0xAB, then padding.
    let ext_data = [0x10, 0xab, 0x00, 0x00];
    for i in 0..40u32 {
        // Starts 20 below the wrap so the stream crosses 65535 -> 0.
        let seq = (65_516 + i) as u16;
        let mut p = RtpPacket::new(
            Law::Alaw.payload_type(),
            seq,
            0xffff_f000u32.wrapping_add(160 * i),
            0x1234_5678,
        );
        p.marker = i == 0;
        p.payload = &payload;
        if i % 10 == 5 {
            p.csrc = CsrcList::from_slice(&[0xaaaa_0001, 0xaaaa_0002]).unwrap();
            p.extension = Some(Extension {
                profile: 0xbede,
                data: &ext_data,
            });
            p.padding = 4;
        }
        pcap.udp(u64::from(i) * 20_000, PORT, PORT + 2, &p.to_vec().unwrap());
        expected.push(expect(&p));
    }
    let path = temp_path("rtp.pcap");
    pcap.write(&path);
    assert_eq!(tshark_rtp(&path), expected);
    assert_clean(&path);
    let _ = std::fs::remove_file(path);
}

#[test]
fn rewritten_relay_is_one_continuous_stream() {
    if !have_tshark("rtp_tshark") {
        return;
    }
    // Source A for 1 s, then source B (different SSRC, seq and timestamp bases) for 1 s.
    let t0 = Instant::now();
    let mut rw = Rewriter::new(0xcafe_f00d, ClockRate::AUDIO_8K, 100, 1_000);
    let mut pcap = PcapWriter::new();
    let mut expected = Vec::new();
    let payload = [0xd5u8; 160];
    for i in 0..100u32 {
        let (ssrc, seq, ts) = if i < 50 {
            (0x0a0a_0a0a, 30_000 + i as u16, 555 + 160 * i)
        } else {
            (
                0x0b0b_0b0b,
                9 + i as u16,
                4_000_000_000u32.wrapping_add(160 * i),
            )
        };
        let mut p = RtpPacket::new(8, seq, ts, ssrc);
        p.payload = &payload;
        let mut bytes = p.to_vec().unwrap();
        let out = rw
            .rewrite_in_place(t0 + Duration::from_millis(20 * u64::from(i)), &mut bytes)
            .unwrap();
        pcap.udp(u64::from(i) * 20_000, PORT, PORT + 2, &bytes);
        let q = RtpPacket::parse(&bytes).unwrap();
        assert_eq!(
            (q.sequence, q.timestamp, q.ssrc),
            (out.sequence, out.timestamp, out.ssrc)
        );
        expected.push(expect(&q));
    }
    let path = temp_path("relay.pcap");
    pcap.write(&path);
    let got = tshark_rtp(&path);
    assert_eq!(got, expected);
    // tshark sees consecutive sequence numbers and 160-tick steps across the switch.
    for w in got.windows(2) {
        assert_eq!(w[1].seq, w[0].seq.wrapping_add(1));
        assert_eq!(w[1].ts, w[0].ts.wrapping_add(160));
        assert_eq!(w[1].ssrc, 0xcafe_f00d);
    }
    // And its stream analysis finds one stream with nothing lost.
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args([
            "-d",
            &format!("udp.port=={PORT},rtp"),
            "-q",
            "-z",
            "rtp,streams",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("0xCAFEF00D")).collect();
    assert_eq!(rows.len(), 1, "{text}");
    let cols: Vec<&str> = rows[0].split_whitespace().collect();
    assert_eq!((cols[8], cols[9]), ("100", "0"), "{text}");
    assert_clean(&path);
    let _ = std::fs::remove_file(path);
}
