//! Oracle: compound RTCP we build from real receiver statistics (SR with report blocks, SDES
//! CNAME, BYE with reason, RR, PLI, FIR) is decoded by tshark into the same field values, with
//! no malformed packets or warnings; and our RFC 3550 loss count agrees with tshark's own RTP
//! stream analysis of the same packets.

mod support;

use std::time::{Duration, Instant};

use media::rtcp::{
    build_compound, Bye, Fir, FirEntry, NtpTime, Pli, ReceiverReport, ReportBlock, RtcpPacket,
    Sdes, SenderReport,
};
use media::rtp::{ClockRate, RtpPacket};
use media::stats::{report, ReceiverStats, SenderStats};
use support::{have_tshark, temp_path, tshark_fields, tshark_filter, PcapWriter};

const RTP_PORT: u16 = 41_000;
const RTCP_PORT: u16 = 41_001;

fn decode_args() -> Vec<String> {
    vec![
        "-d".into(),
        format!("udp.port=={RTP_PORT},rtp"),
        "-d".into(),
        format!("udp.port=={RTCP_PORT},rtcp"),
    ]
}

fn hex(s: &str) -> u32 {
    u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

fn list(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(',').map(str::to_owned).collect()
    }
}

/// A received stream with loss, a duplicate and jitter: (seq, rtp ts, arrival µs).
fn received_stream() -> Vec<(u16, u32, u64)> {
    let mut v = Vec::new();
    for i in 0..200u32 {
        if i % 17 == 3 {
            continue; // lost
        }
        // Deterministic jitter of 0..7 ms.
        let jitter_us = u64::from((i * 7919) % 8) * 1000;
        let seq = 65_400u32.wrapping_add(i) as u16;
        v.push((seq, 1_000 + 160 * i, u64::from(i) * 20_000 + jitter_us));
        if i == 100 {
            v.push((
                seq,
                1_000 + 160 * i,
                u64::from(i) * 20_000 + jitter_us + 500,
            ));
        }
    }
    v
}

#[test]
fn compound_reports_decode_in_tshark() {
    if !have_tshark("rtcp_tshark") {
        return;
    }
    let t0 = Instant::now();
    let mut pcap = PcapWriter::new();
    let mut rx = ReceiverStats::new(0x5151_5151, ClockRate::AUDIO_8K);
    let payload = [0x55u8; 160];
    for (seq, ts, at) in received_stream() {
        rx.on_packet(t0 + Duration::from_micros(at), seq, ts);
        let mut p = RtpPacket::new(8, seq, ts, 0x5151_5151);
        p.payload = &payload;
        pcap.udp(at, RTP_PORT, RTP_PORT + 10, &p.to_vec().unwrap());
    }
    let end = Duration::from_millis(4_000);
    assert!(rx.on_sender_report(
        t0 + Duration::from_millis(3_000),
        &SenderReport {
            ssrc: 0x5151_5151,
            ntp_time: NtpTime(0x83ab_03a1_eb02_0b3a),
            ..SenderReport::default()
        },
    ));
    let mut tx = SenderStats::new(0x7777_0001, ClockRate::AUDIO_8K);
    for i in 0..50u32 {
        tx.on_sent(t0 + Duration::from_millis(20 * u64::from(i)), 160 * i, 160);
    }
    let ntp = NtpTime::from_unix(Duration::from_secs(1_700_000_000));
    let mut rxs = vec![rx];
    let mut sr = report(
        t0 + end,
        ntp,
        0x7777_0001,
        "alice@127.0.0.1",
        Some(&tx),
        &mut rxs,
    );
    // A second, hand-made block with negative cumulative loss (duplicates).
    let RtcpPacket::SenderReport(SenderReport { reports, .. }) = &mut sr[0] else {
        panic!()
    };
    reports.push(ReportBlock {
        ssrc: 0x0606_0606,
        fraction_lost: 0,
        cumulative_lost: -2,
        extended_highest_seq: 77,
        jitter: 3,
        last_sr: 0,
        delay_since_last_sr: 0,
    });
    let built_blocks = reports.clone();
    sr.push(RtcpPacket::Bye(Bye {
        sources: vec![0x7777_0001],
        reason: Some(b"conference ended".to_vec()),
    }));
    let rr = vec![
        RtcpPacket::ReceiverReport(ReceiverReport {
            ssrc: 0x7777_0002,
            reports: vec![],
        }),
        RtcpPacket::Sdes(Sdes::cname(0x7777_0002, "bob")),
        RtcpPacket::Pli(Pli {
            sender_ssrc: 0x7777_0002,
            media_ssrc: 0x5151_5151,
        }),
        RtcpPacket::Fir(Fir {
            sender_ssrc: 0x7777_0002,
            entries: vec![FirEntry {
                ssrc: 0x5151_5151,
                seq: 7,
            }],
        }),
    ];
    pcap.udp(
        4_000_000,
        RTCP_PORT,
        RTCP_PORT + 10,
        &build_compound(&sr).unwrap(),
    );
    pcap.udp(
        4_100_000,
        RTCP_PORT,
        RTCP_PORT + 10,
        &build_compound(&rr).unwrap(),
    );
    let path = temp_path("rtcp.pcap");
    pcap.write(&path);
    let args = decode_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut rtcp_args = args.clone();
    rtcp_args.extend(["-Y", "rtcp"]);
    let rows = tshark_fields(
        &path,
        &rtcp_args,
        &[
            "rtcp.pt",
            "rtcp.senderssrc",
            "rtcp.sender.packetcount",
            "rtcp.sender.octetcount",
            "rtcp.timestamp.rtp",
            "rtcp.timestamp.ntp.msw",
            "rtcp.ssrc.identifier",
            "rtcp.ssrc.fraction",
            "rtcp.ssrc.cum_nr",
            "rtcp.ssrc.ext_high",
            "rtcp.ssrc.jitter",
            "rtcp.ssrc.lsr",
            "rtcp.ssrc.dlsr",
            "rtcp.sdes.text",
            "rtcp.psfb.fmt",
            "rtcp.mediassrc",
            "rtcp.psfb.fir.fci.ssrc",
            "rtcp.psfb.fir.fci.csn",
        ],
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (s, r) = (&rows[0], &rows[1]);
    let RtcpPacket::SenderReport(built) = &sr[0] else {
        panic!()
    };
    assert_eq!(list(&s[0]), ["200", "202", "203"]);
    assert_eq!(hex(&s[1]), 0x7777_0001);
    assert_eq!(s[2], built.packet_count.to_string());
    assert_eq!(s[3], built.octet_count.to_string());
    assert_eq!(s[4], built.rtp_timestamp.to_string());
    assert_eq!(s[5], (ntp.0 >> 32).to_string());
    let col = |i: usize| list(&s[i]);
    // rtcp.ssrc.identifier: each report block's source, then the SDES chunk and the BYE source.
    let mut ids: Vec<u32> = built_blocks.iter().map(|b| b.ssrc).collect();
    ids.extend([0x7777_0001, 0x7777_0001]);
    assert_eq!(col(6).iter().map(|x| hex(x)).collect::<Vec<_>>(), ids);
    assert_eq!(
        col(7),
        built_blocks
            .iter()
            .map(|b| b.fraction_lost.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        col(8),
        built_blocks
            .iter()
            .map(|b| b.cumulative_lost.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        col(9),
        built_blocks
            .iter()
            .map(|b| b.extended_highest_seq.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        col(10),
        built_blocks
            .iter()
            .map(|b| b.jitter.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        col(11),
        built_blocks
            .iter()
            .map(|b| b.last_sr.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        col(12),
        built_blocks
            .iter()
            .map(|b| b.delay_since_last_sr.to_string())
            .collect::<Vec<_>>()
    );
    // tshark files the BYE reason under the same text field as the CNAME.
    assert_eq!(list(&s[13]), ["alice@127.0.0.1", "conference ended"]);
    // The statistics themselves are non-trivial: loss across the wrap, LSR from the SR, 1 s DLSR.
    let b = &built_blocks[0];
    assert!(
        b.cumulative_lost > 0 && b.fraction_lost > 0 && b.jitter > 0,
        "{b:?}"
    );
    assert_eq!(b.extended_highest_seq, 65_536 + ((65_400 + 199) & 0xffff));
    assert_eq!((b.last_sr, b.delay_since_last_sr), (0x03a1_eb02, 65_536));

    assert_eq!(list(&r[0]), ["201", "202", "206", "206"]);
    assert_eq!(r[13], "bob");
    assert_eq!(list(&r[14]), ["1", "4"]);
    assert_eq!(
        list(&r[15]).iter().map(|x| hex(x)).collect::<Vec<_>>(),
        [0x5151_5151, 0]
    );
    assert_eq!(hex(&r[16]), 0x5151_5151);
    assert_eq!(r[17], "7");

    let bad = tshark_filter(
        &path,
        &args,
        "_ws.malformed || _ws.expert.severity >= warning",
    );
    assert!(bad.is_empty(), "tshark flagged:\n{bad}");

    // tshark's stream analysis of the RTP we wrote agrees with our loss count.
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(&args)
        .args(["-q", "-z", "rtp,streams"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("0x51515151"))
        .expect(&text);
    let cols: Vec<&str> = row.split_whitespace().collect();
    let lost: i64 = cols[9].parse().unwrap();
    assert_eq!(lost, rxs[0].cumulative_lost(), "{row}");
    let _ = std::fs::remove_file(path);
}
