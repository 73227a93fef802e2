//! A call the gateway cannot set up for want of its own resources answers 503 "Gateway out of
//! resources", not 502 "MCU unreachable": here the RTP port range holds two pairs, which the
//! VN side of the first call takes, so the H.323 side finds none.
//!
//! A test binary of its own: the port range is per process.

mod common;

#[tokio::test]
async fn an_exhausted_port_range_is_503_not_an_unreachable_mcu() {
    let dir = tempfile::tempdir().unwrap();
    // The "MCU" accepts the TCP connection; the failure comes before any Setup.
    let mcu = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mcu_addr = mcu.local_addr().unwrap();
    let gw = common::start_h323(gateway::Config {
        rtp_ports: "40100-40103".parse().unwrap(),
        ..common::config(dir.path())
    })
    .await;

    let p = common::problem(gw.post_call(&format!("801234@{mcu_addr}")).await, 503).await;
    assert_eq!(p["type"], "urn:cascade:problem:no-resources", "{p}");
    assert_eq!(p["title"], "Gateway out of resources", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("40100-40103"), "{detail}");
    let id = p["call_id"].as_str().unwrap();

    let record = gw.get_json(&format!("/v1/calls/{id}")).await;
    assert_eq!(record["state"], "failed", "{record}");
    assert_eq!(record["result"], "no_resources", "{record}");

    gw.stop().await;
    drop(mcu);
}
