//! Real capture: Wireshark's rtp_example (an H.323 call with 465 G.711 A-law RTP packets and
//! one RTCP compound). Our parser must see every RTP/RTCP packet tshark sees, with the same
//! fields; our RFC 3550 statistics must agree with tshark's stream analysis; and the audio must
//! decode through our A-law decoder into something that is not silence.

mod support;

use std::time::{Duration, Instant};

use media::g711::Law;
use media::rtcp::{parse_compound, RtcpPacket};
use media::rtp::{ClockRate, RtpPacket};
use media::stats::ReceiverStats;
use support::{have_tshark, read_udp, shared_capture, tshark_fields};

/// RTP and RTCP ports negotiated by the call's H.245 OpenLogicalChannel(Ack) (see SOURCES.md).
const RTP_PORTS: [u16; 2] = [2006, 5000];
const RTCP_PORTS: [u16; 2] = [2007, 5001];
const FILE: &str = "wireshark-rtp_example.raw.gz";

fn decode_as() -> Vec<String> {
    let mut v = Vec::new();
    for p in RTP_PORTS {
        v.extend(["-d".to_owned(), format!("udp.port=={p},rtp")]);
    }
    for p in RTCP_PORTS {
        v.extend(["-d".to_owned(), format!("udp.port=={p},rtcp")]);
    }
    v
}

#[test]
fn rtp_and_rtcp_match_tshark_and_audio_decodes() {
    let Some(path) = shared_capture("capture_rtp_example", FILE) else {
        return;
    };
    let datagrams = read_udp(&path);
    let rtp: Vec<_> = datagrams
        .iter()
        .filter(|d| RTP_PORTS.contains(&d.src_port) && RTP_PORTS.contains(&d.dst_port))
        .map(|d| (d, RtpPacket::parse(&d.payload).expect("RTP parses")))
        .collect();
    assert_eq!(rtp.len(), 465);
    let rtcp: Vec<_> = datagrams
        .iter()
        .filter(|d| RTCP_PORTS.contains(&d.src_port))
        .map(|d| (d, parse_compound(&d.payload).expect("RTCP parses")))
        .collect();
    assert_eq!(rtcp.len(), 1);

    // Audio: both directions decode to speech-like, non-silent PCM.
    for ssrc in [0xdee0_ee8f_u32, 0xf3cb_2001] {
        let mut pcm = Vec::new();
        for (_, p) in rtp.iter().filter(|(_, p)| p.ssrc == ssrc) {
            assert_eq!(Law::from_payload_type(p.payload_type), Some(Law::Alaw));
            let mut out = vec![0i16; p.payload.len()];
            Law::Alaw.decode(p.payload, &mut out);
            pcm.extend(out);
        }
        let rms =
            (pcm.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / pcm.len() as f64).sqrt();
        let distinct = pcm.iter().collect::<std::collections::HashSet<_>>().len();
        // Silence or a stuck encoder gives one or two code values; the quieter direction of
        // this 2003 call measures rms ≈ 1906 with 93 distinct samples, so 50 separates the two.
        assert!(
            rms > 100.0 && distinct > 50,
            "{ssrc:#x}: rms {rms}, {distinct} distinct samples"
        );
    }

    if !have_tshark("capture_rtp_example") {
        return;
    }
    let args = decode_as();
    let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
    a.extend(["-Y", "rtp"]);
    let rows = tshark_fields(
        &path,
        &a,
        &[
            "frame.number",
            "rtp.seq",
            "rtp.p_type",
            "rtp.ssrc",
            "rtp.timestamp",
            "rtp.marker",
            "rtp.cc",
            "rtp.padding",
            "rtp.ext",
        ],
    );
    assert_eq!(rows.len(), rtp.len());
    for (row, (d, p)) in rows.iter().zip(&rtp) {
        let ours = vec![
            d.frame.to_string(),
            p.sequence.to_string(),
            p.payload_type.to_string(),
            format!("{:#010x}", p.ssrc),
            p.timestamp.to_string(),
            u8::from(p.marker).to_string(),
            p.csrc.len().to_string(),
            u8::from(p.padding > 0).to_string(),
            u8::from(p.extension.is_some()).to_string(),
        ];
        assert_eq!(row, &ours);
    }

    let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
    a.extend(["-Y", "rtcp"]);
    let rows = tshark_fields(
        &path,
        &a,
        &[
            "frame.number",
            "rtcp.pt",
            "rtcp.senderssrc",
            "rtcp.sender.packetcount",
            "rtcp.sender.octetcount",
            "rtcp.timestamp.rtp",
            "rtcp.sdes.text",
        ],
    );
    assert_eq!(rows.len(), 1);
    let (d, packets) = &rtcp[0];
    let RtcpPacket::SenderReport(sr) = &packets[0] else {
        panic!("first is not SR: {packets:?}")
    };
    let RtcpPacket::Sdes(sdes) = &packets[1] else {
        panic!("second is not SDES")
    };
    let pts: Vec<String> = packets
        .iter()
        .map(|p| p.packet_type().to_string())
        .collect();
    let cname = String::from_utf8_lossy(sdes.cname_of(sr.ssrc).unwrap()).into_owned();
    let ours = vec![
        d.frame.to_string(),
        pts.join(","),
        format!("{:#010x}", sr.ssrc),
        sr.packet_count.to_string(),
        sr.octet_count.to_string(),
        sr.rtp_timestamp.to_string(),
        cname,
    ];
    assert_eq!(rows[0], ours);

    // Statistics: feed each stream, timed by the capture, through ReceiverStats and compare with
    // tshark's RTP stream analysis (lost packets exactly; max jitter within a tick of rounding).
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(&args)
        .args(["-q", "-z", "rtp,streams"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let t0 = Instant::now();
    let first_ns = rtp[0].0.nanos;
    for ssrc in [0xdee0_ee8f_u32, 0xf3cb_2001] {
        let row = text
            .lines()
            .find(|l| l.contains(&format!("{ssrc:#010X}").replace("0X", "0x")))
            .expect(&text);
        let cols: Vec<&str> = row.split_whitespace().collect();
        let (pkts, lost, max_jitter_ms): (usize, i64, f64) = (
            cols[8].parse().unwrap(),
            cols[9].parse().unwrap(),
            cols[16].parse().unwrap(),
        );
        let mut stats = ReceiverStats::new(ssrc, ClockRate::AUDIO_8K);
        let mut max_jitter = 0u32;
        let mut n = 0;
        for (d, p) in rtp.iter().filter(|(_, p)| p.ssrc == ssrc) {
            stats.on_packet(
                t0 + Duration::from_nanos(d.nanos - first_ns),
                p.sequence,
                p.timestamp,
            );
            max_jitter = max_jitter.max(stats.jitter());
            n += 1;
        }
        assert_eq!(n, pkts, "{row}");
        assert_eq!(stats.cumulative_lost(), lost, "{row}");
        let ours_ms = f64::from(max_jitter) / 8.0;
        // The integer estimator truncates (>>4) and starts one packet later (probation).
        assert!(
            (ours_ms - max_jitter_ms).abs() <= 0.25 + max_jitter_ms * 0.05,
            "jitter {ours_ms} ms vs tshark {max_jitter_ms} ms\n{row}"
        );
    }
}
