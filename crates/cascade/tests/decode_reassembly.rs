//! TCP reassembly under abuse, on a capture this test writes byte by byte (Ethernet/IPv4/TCP):
//! a TPKT header alone in its segment, a segment arriving before the one it follows, duplicated
//! and overlapping retransmissions, a one-byte keep-alive, and two garbage TPKT frames. The
//! H.225.0 PDUs are real ones (rtp_example frames 4, 6, 8, which tshark decodes as setup,
//! callProceeding, alerting); the port is not 1720, so the call-signalling heuristic must find
//! them.

mod decode_support;

use std::net::SocketAddrV4;

use decode_support::*;

#[test]
fn split_reordered_duplicated_segments_reassemble_and_garbage_is_listed_malformed() {
    let caller: SocketAddrV4 = "10.0.0.1:40000".parse().unwrap();
    let callee: SocketAddrV4 = "10.0.0.2:4000".parse().unwrap();
    let setup = unhex(real::SETUP);
    // Not Q.931 at all (discriminator 0x42), then Q.931 SETUP whose user-user is PER junk.
    let junk = unhex("030000094201000000");
    let bad_uu = unhex("0300001108020001057e00050520ffffff");
    let mut up = setup.clone();
    up.extend_from_slice(&junk);
    up.extend_from_slice(&bad_uu);

    let mut p = Pcap::default();
    let isn_a = 1_000u32;
    let isn_b = 0xffff_fff0u32; // the callee's sequence numbers wrap
    p.tcp(caller, callee, isn_a, SYN, &[]);
    p.tcp(callee, caller, isn_b, SYN | ACK, &[]);
    let a = isn_a + 1;
    // Caller → callee: the 4-byte TPKT header alone, then bytes 40.. before 4..40, then 4..40
    // twice, then a retransmission overlapping both, then a keep-alive.
    p.tcp(caller, callee, a, PSH_ACK, &up[..4]);
    p.tcp(caller, callee, a + 40, PSH_ACK, &up[40..]);
    let setup_done = p.tcp(caller, callee, a + 4, PSH_ACK, &up[4..40]);
    p.tcp(caller, callee, a + 4, PSH_ACK, &up[4..40]);
    p.tcp(caller, callee, a + 20, PSH_ACK, &up[20..90]);
    let end = a + up.len() as u32;
    p.tcp(caller, callee, end - 1, ACK, &up[up.len() - 1..]);

    // Callee → caller: callProceeding in three pieces across the sequence-number wrap, then
    // alerting with its header split 1 + 3.
    let cp = unhex(real::CALL_PROCEEDING);
    let al = unhex(real::ALERTING);
    let b = isn_b.wrapping_add(1);
    p.tcp(callee, caller, b, PSH_ACK, &cp[..3]);
    p.tcp(callee, caller, b.wrapping_add(3), PSH_ACK, &cp[3..30]);
    let cp_done = p.tcp(callee, caller, b.wrapping_add(30), PSH_ACK, &cp[30..]);
    let b2 = b.wrapping_add(cp.len() as u32);
    p.tcp(callee, caller, b2, PSH_ACK, &al[..1]);
    p.tcp(callee, caller, b2.wrapping_add(1), PSH_ACK, &al[1..4]);
    let al_done = p.tcp(callee, caller, b2.wrapping_add(4), PSH_ACK, &al[4..]);

    let file = p.write("reassembly");
    let msgs = decode_json(&file);
    let got = keys(&msgs);
    let want = vec![
        (setup_done, "h225".to_string(), "setup".to_string()),
        (setup_done, "h225".into(), "malformed".into()),
        (setup_done, "h225".into(), "malformed".into()),
        (cp_done, "h225".into(), "callProceeding".into()),
        (al_done, "h225".into(), "alerting".into()),
    ];
    assert_eq!(got, want, "full output: {msgs:#?}");
    // The setup is the capture's: its calling alias survives reassembly.
    assert_eq!(msgs[0]["callingAlias"][0], "h323-ID:m.jemec");
    assert_eq!(msgs[0]["src"], "10.0.0.1:40000");
    assert_eq!(msgs[0]["dst"], "10.0.0.2:4000");
    assert_eq!(msgs[0]["q931"], "SETUP");
    // Both garbage frames say why.
    assert!(
        msgs[1]["error"].as_str().unwrap().contains("0x42"),
        "{}",
        msgs[1]
    );
    assert_eq!(msgs[2]["q931"], "SETUP");
    assert!(
        msgs[2]["error"]
            .as_str()
            .unwrap()
            .contains("H323-UserInformation"),
        "{}",
        msgs[2]
    );
    let _ = std::fs::remove_dir_all(file.parent().unwrap());
}
