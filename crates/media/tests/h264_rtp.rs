//! H.264 end to end: pictures encoded by OpenH264 are packetized (RFC 6184 mode 1), written
//! to a pcap and checked against tshark's H.264 dissector (NAL types, STAP-A, FU-A start/end
//! bits, marker on the last packet of each picture); depacketized and decoded back to the
//! colour they started as; and after a lost packet the depacketizer asks for a keyframe and
//! recovers with the IDR the encoder produces on request.

mod support;

use media::h264::{
    nal_type, Depacketizer, H264RtpSender, Packetizer, NAL_FU_A, NAL_IDR, NAL_STAP_A,
};
use media::rtp::{ClockRate, RtpPacket, RtpTime};
use media::video::{test_pattern, EncoderSettings, H264Decoder, H264Encoder, Rect, Rgb, Yuv};
use support::{have_tshark, temp_path, tshark_fields, tshark_filter, PcapWriter};

const PORT: u16 = 42_000;
const PT: u8 = 96;

/// Encodes `n` pictures of a labelled colour; returns the RTP packets of each picture.
fn encode_and_packetize(colour: &str, n: u32, idr_at: &[u32]) -> Vec<Vec<Vec<u8>>> {
    let settings = EncoderSettings {
        bitrate_bps: 1_000_000,
        ..EncoderSettings::default()
    };
    let mut enc = H264Encoder::new(settings).unwrap();
    let mut tx = H264RtpSender::new(Packetizer::default(), 0x4242_4242, PT, 65_500);
    let pic = test_pattern(352, 288, Rgb::parse(colour).unwrap(), colour).unwrap();
    let mut pictures = Vec::new();
    let fps = ClockRate::new(30).unwrap();
    for i in 0..n {
        if idr_at.contains(&i) {
            enc.request_idr();
        }
        let e = enc.encode(&pic).unwrap();
        assert!(!e.nals.is_empty(), "picture {i} skipped");
        pictures.push(tx.send(&e.nals, RtpTime::new(i64::from(i), fps)));
    }
    pictures
}

fn decode_all(
    d: &mut Depacketizer,
    dec: &mut H264Decoder,
    packets: &[Vec<u8>],
) -> Option<media::video::I420Frame> {
    let mut last = None;
    for bytes in packets {
        let p = RtpPacket::parse(bytes).unwrap();
        let _ = d.push(p.sequence, p.timestamp, p.marker, p.payload);
        while let Some(au) = d.pop() {
            if let Some(pic) = dec.decode(&au.to_annex_b()).unwrap() {
                last = Some(pic);
            }
        }
    }
    last
}

fn assert_colour(pic: &media::video::I420Frame, colour: &str) {
    let want = Yuv::from_rgb(Rgb::parse(colour).unwrap());
    // A corner away from the label.
    let got = pic.mean_in(Rect::new(8, 8, 64, 48));
    assert!(got.distance(want) <= 4, "{colour}: {got:?} vs {want:?}");
}

#[test]
fn round_trip_through_rtp_decodes_to_the_same_colour() {
    let pictures = encode_and_packetize("blue", 8, &[]);
    let packets: Vec<Vec<u8>> = pictures.concat();
    // The keyframe is big enough to need FU-A; SPS+PPS travel in one STAP-A.
    let first = RtpPacket::parse(&packets[0]).unwrap();
    assert_eq!(nal_type(first.payload), NAL_STAP_A);
    assert!(pictures[0]
        .iter()
        .any(|b| nal_type(RtpPacket::parse(b).unwrap().payload) == NAL_FU_A));
    assert!(packets.iter().all(|b| b.len() <= 12 + 1200));
    let mut d = Depacketizer::new();
    let mut dec = H264Decoder::new().unwrap();
    let pic = decode_all(&mut d, &mut dec, &packets).expect("a decoded picture");
    assert_colour(&pic, "blue");
    assert_eq!(d.stats().delivered, 8);
    assert!(!d.need_keyframe());
}

#[test]
fn loss_requests_a_keyframe_and_recovers() {
    // Picture 3 loses a packet; the encoder is asked for an IDR at picture 5 (as the caller
    // would after take_keyframe_request), and decoding resumes there.
    let pictures = encode_and_packetize("yellow", 8, &[5]);
    let mut d = Depacketizer::new();
    let mut dec = H264Decoder::new().unwrap();
    for (i, pic) in pictures.iter().enumerate() {
        let mut packets = pic.clone();
        if i == 3 {
            let victim = packets.len() / 2;
            packets.remove(victim);
            // Keep at least one packet after the gap so the loss shows as a sequence jump.
            if packets.is_empty() {
                continue;
            }
        }
        let before = d.stats().delivered;
        let decoded = decode_all(&mut d, &mut dec, &packets);
        match i {
            0..=2 => assert_eq!(d.stats().delivered, before + 1, "picture {i}"),
            3 | 4 => {
                assert_eq!(d.stats().delivered, before, "picture {i} must be dropped");
                assert!(d.need_keyframe());
            }
            _ => {
                assert_eq!(d.stats().delivered, before + 1, "picture {i}");
                assert_colour(&decoded.unwrap(), "yellow");
            }
        }
    }
    assert!(d.take_keyframe_request());
    assert!(!d.need_keyframe());
}

#[test]
fn tshark_sees_valid_h264_packetization() {
    if !have_tshark("h264_rtp") {
        return;
    }
    let pictures = encode_and_packetize("red", 4, &[2]);
    let mut pcap = PcapWriter::new();
    let mut ours = Vec::new();
    let mut at = 0u64;
    for pic in &pictures {
        for bytes in pic {
            pcap.udp(at, PORT, PORT + 2, bytes);
            at += 1_000;
            let p = RtpPacket::parse(bytes).unwrap();
            let hdr = p.payload[0] & 0x1f;
            // What tshark lists as h264.nal_unit_hdr: the payload header, then for STAP-A the
            // header type of every aggregated NAL unit.
            let mut hdrs = vec![hdr.to_string()];
            if hdr == NAL_STAP_A {
                let mut at = 1;
                while at + 2 < p.payload.len() {
                    let size = usize::from(u16::from_be_bytes([p.payload[at], p.payload[at + 1]]));
                    hdrs.push((p.payload[at + 2] & 0x1f).to_string());
                    at += 2 + size;
                }
            }
            let (start, end, inner) = if hdr == NAL_FU_A {
                let fu = p.payload[1];
                (fu & 0x80 != 0, fu & 0x40 != 0, fu & 0x1f)
            } else {
                (false, false, hdr)
            };
            ours.push((
                p.sequence,
                p.timestamp,
                p.marker,
                hdrs.join(","),
                start,
                end,
                inner,
            ));
        }
        at += 30_000;
    }
    let path = temp_path("h264.pcap");
    pcap.write(&path);
    let decode = [
        "-d".to_owned(),
        format!("udp.port=={PORT},rtp"),
        "-d".to_owned(),
        format!("rtp.pt=={PT},h264"),
    ];
    let args: Vec<&str> = decode.iter().map(String::as_str).collect();
    let rows = tshark_fields(
        &path,
        &args,
        &[
            "rtp.seq",
            "rtp.timestamp",
            "rtp.marker",
            "h264.nal_unit_hdr",
            "h264.start.bit",
            "h264.end.bit",
            "h264.nal_unit_type",
        ],
    );
    assert_eq!(rows.len(), ours.len());
    let mut idr_fragments = 0;
    for (row, o) in rows.iter().zip(&ours) {
        assert_eq!(row[0], o.0.to_string());
        assert_eq!(row[1], o.1.to_string());
        assert_eq!(row[2], u8::from(o.2).to_string());
        assert_eq!(row[3], o.3, "{row:?}");
        if o.3 == NAL_FU_A.to_string() {
            assert_eq!(row[4], u8::from(o.4).to_string(), "{row:?}");
            assert_eq!(row[5], u8::from(o.5).to_string(), "{row:?}");
            assert_eq!(row[6], o.6.to_string(), "{row:?}");
            idr_fragments += usize::from(o.6 == NAL_IDR);
        }
    }
    let stap = ours.iter().filter(|o| o.3 == "24,7,8").count();
    assert_eq!(stap, 2, "SPS+PPS aggregated once per keyframe");
    assert!(idr_fragments >= 2, "two keyframes should be fragmented");
    let bad = tshark_filter(&path, &args, "_ws.malformed");
    assert!(bad.is_empty(), "tshark flagged:\n{bad}");
    // tshark does not decode slice data and says so with an "Undecoded" warning on every
    // slice; any other warning or error is ours.
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(&args)
        .args(["-q", "-z", "expert,warn"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let items: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(
        !items.is_empty(),
        "expected tshark's Undecoded notes:\n{text}"
    );
    for item in items {
        assert!(
            item.contains("Undecoded") && item.contains("[Not decoded yet]"),
            "{text}"
        );
    }
    let _ = std::fs::remove_file(path);
}
