//! Finding H.323 where no well-known port or h245Address points: RAS on an arbitrary UDP port
//! (IPv6 too, printed `[addr]:port`), H.245 on a TCP connection nobody announced, and UDP noise
//! that must not turn into messages. The PDUs are real ones from the captures (see
//! `decode_support::real`), which tshark names gatekeeperConfirm, terminalCapabilitySet and
//! masterSlaveDetermination.

mod decode_support;

use std::net::{SocketAddrV4, SocketAddrV6};

use decode_support::*;

#[test]
fn ras_and_h245_are_found_on_any_port_and_noise_is_not() {
    let gk: SocketAddrV4 = "10.0.0.9:5000".parse().unwrap();
    let ep: SocketAddrV4 = "10.0.0.1:6000".parse().unwrap();
    let gk6: SocketAddrV6 = "[2001:db8::9]:5001".parse().unwrap();
    let ep6: SocketAddrV6 = "[2001:db8::1]:6001".parse().unwrap();
    let a: SocketAddrV4 = "10.0.0.1:41000".parse().unwrap();
    let b: SocketAddrV4 = "10.0.0.2:7000".parse().unwrap();

    let mut p = Pcap::default();
    // RTP-looking noise (version 2, payload type 8) and a few arbitrary datagrams first.
    for i in 0..20u8 {
        let mut rtp = vec![0x80, 0x08, 0, i, 0, 0, 0, i, 0x12, 0x34, 0x56, 0x78];
        rtp.extend((0..160u16).map(|k| (k as u8).wrapping_mul(i).wrapping_add(0xd5)));
        p.udp(ep, "10.0.0.2:16384".parse().unwrap(), &rtp);
        p.udp(
            ep,
            "10.0.0.2:9999".parse().unwrap(),
            &[i, i ^ 0x5a, 0x80, 0x01],
        );
    }
    let gcf = p.udp(gk, ep, &unhex(real::GCF));
    let gcf6 = p.udp6(gk6, ep6, &unhex(real::GCF));
    p.tcp(a, b, 10, SYN, &[]);
    let tcs = unhex(real::TCS);
    let msd = unhex(real::MSD);
    let mut both = tcs.clone();
    both.extend_from_slice(&msd);
    let h245 = p.tcp(a, b, 11, PSH_ACK, &both);

    let file = p.write("heuristics");
    let msgs = decode_json(&file);
    let got = keys(&msgs);
    let want = vec![
        (gcf, "ras".to_string(), "gatekeeperConfirm".to_string()),
        (gcf6, "ras".into(), "gatekeeperConfirm".into()),
        (h245, "h245".into(), "terminalCapabilitySet".into()),
        (h245, "h245".into(), "masterSlaveDetermination".into()),
    ];
    assert_eq!(got, want, "full output: {msgs:#?}");
    assert_eq!(msgs[0]["src"], "10.0.0.9:5000");
    assert_eq!(msgs[1]["src"], "[2001:db8::9]:5001");
    assert_eq!(msgs[1]["dst"], "[2001:db8::1]:6001");
    assert_eq!(
        msgs[0]["gatekeeperIdentifier"],
        "OpenH323 Gatekeeper on mfottekin"
    );
    assert_eq!(msgs[2]["tunnelled"], false);
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}
