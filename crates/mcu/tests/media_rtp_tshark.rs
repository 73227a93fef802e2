//! The room's outgoing RTP as tshark (the oracle) reads it: the payload types of the channels
//! the MCU opened, one SSRC per stream, consecutive sequence numbers, nothing malformed.

mod common;

use std::collections::BTreeMap;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use common::party::{have_tshark, join, start_h323, PcapWriter};
use h323::h245::session::Direction;
use media::video::Rgb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tshark_reads_the_rooms_rtp_without_sequence_errors() {
    if !have_tshark("tshark_reads_the_rooms_rtp_without_sequence_errors") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config(dir.path());
    config.auto_create_rooms = true;
    let (mcu, h323) = start_h323(config).await;
    let a = join(h323, "800", "red", 440.0, Some(Rgb::new(220, 20, 20)), 51).await;
    let b = join(h323, "800", "blue", 660.0, Some(Rgb::new(20, 20, 220)), 52).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut all: Vec<_> = a.audio().into_iter().chain(a.video()).collect();
    all.sort_by_key(|g| g.at);
    assert!(!all.is_empty());
    let epoch = Instant::now() - Duration::from_secs(3600);
    let mut pcap = PcapWriter::new();
    let mut mcu_ports = Vec::new();
    for g in &all {
        pcap.udp(
            g.at.duration_since(epoch).as_micros() as u64,
            g.from.port(),
            g.to.port(),
            &g.bytes,
        );
        if !mcu_ports.contains(&g.from.port()) {
            mcu_ports.push(g.from.port());
        }
    }
    assert_eq!(
        mcu_ports.len(),
        2,
        "audio and video each from one MCU socket"
    );
    let file = dir.path().join("room.pcap");
    pcap.write(&file);
    let mut cmd = Process::new("tshark");
    cmd.arg("-r").arg(&file);
    for port in &mcu_ports {
        cmd.args(["-d", &format!("udp.port=={port},rtp")]);
    }
    cmd.args(["-T", "fields", "-E", "separator=|"]);
    for f in [
        "udp.srcport",
        "rtp.p_type",
        "rtp.ssrc",
        "rtp.seq",
        "_ws.malformed",
    ] {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let audio_pt = a.channel(Direction::Receive, false).codec.payload_type();
    let video_pt = a.channel(Direction::Receive, true).codec.payload_type();
    // Per (SSRC): payload type and sequence numbers, in capture order.
    let mut streams: BTreeMap<String, (u8, Vec<u16>)> = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f.len(), 5, "{line}");
        assert!(f[4].is_empty(), "malformed: {line}");
        let pt: u8 = f[1].parse().unwrap_or_else(|_| panic!("not RTP: {line}"));
        let seq: u16 = f[3].parse().unwrap();
        let s = streams.entry(f[2].to_owned()).or_insert((pt, Vec::new()));
        assert_eq!(s.0, pt, "one payload type per stream");
        s.1.push(seq);
    }
    let pts: Vec<u8> = streams.values().map(|s| s.0).collect();
    assert_eq!(streams.len(), 2, "one audio and one video stream: {pts:?}");
    assert!(
        pts.contains(&audio_pt) && pts.contains(&video_pt),
        "{pts:?}"
    );
    for (ssrc, (pt, seqs)) in &streams {
        assert!(seqs.len() > 20, "{ssrc}: {} packets", seqs.len());
        for w in seqs.windows(2) {
            assert_eq!(
                w[1],
                w[0].wrapping_add(1),
                "{ssrc} (PT {pt}): sequence error"
            );
        }
    }
    // tshark's own RTP analysis agrees: no loss, no sequence errors.
    let mut cmd = Process::new("tshark");
    cmd.arg("-r").arg(&file).arg("-q");
    for port in &mcu_ports {
        cmd.args(["-d", &format!("udp.port=={port},rtp")]);
    }
    let out = cmd.args(["-z", "rtp,streams"]).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = report.lines().filter(|l| l.contains("127.0.0.1")).collect();
    assert_eq!(rows.len(), 2, "{report}");
    for row in rows {
        assert!(row.contains(" 0 (0.0%)"), "loss reported: {row}");
        assert!(!row.trim_end().ends_with('X'), "problem flagged: {row}");
    }
    a.leave().await;
    b.leave().await;
    mcu.stop().await;
}
