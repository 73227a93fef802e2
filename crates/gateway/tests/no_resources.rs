//! A call the gateway cannot set up for want of its own resources answers 503 "Gateway out of
//! resources", not 502 "MCU unreachable": here the RTP port range holds two pairs, which the
//! VN side of the first call takes, so the H.323 side finds none.
//!
//! A test binary of its own: the port range is per process.

mod common;

use std::sync::Arc;

use gateway::h323::H323Dialer;
use gateway::{Config, Server};
use service::shutdown::Shutdown;

#[tokio::test]
async fn an_exhausted_port_range_is_503_not_an_unreachable_mcu() {
    let dir = tempfile::tempdir().unwrap();
    // The "MCU" accepts the TCP connection; the failure comes before any Setup.
    let mcu = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mcu_addr = mcu.local_addr().unwrap();
    let config = Config {
        rtp_ports: "40100-40103".parse().unwrap(),
        ..common::config(dir.path())
    };
    let server = Server::bind(config, Arc::new(H323Dialer::default()))
        .await
        .unwrap();
    let base = format!("http://{}", server.http_addr());
    let shutdown = Shutdown::new();
    let task = tokio::spawn(server.serve(shutdown.clone()));
    let http = reqwest::Client::new();

    let r = http
        .post(format!("{base}/v1/calls"))
        .json(&serde_json::json!({"dial": format!("801234@{mcu_addr}")}))
        .send()
        .await
        .unwrap();
    let p = common::problem(r, 503).await;
    assert_eq!(p["type"], "urn:cascade:problem:no-resources", "{p}");
    assert_eq!(p["title"], "Gateway out of resources", "{p}");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("40100-40103"), "{detail}");
    let id = p["call_id"].as_str().unwrap();

    let record: serde_json::Value = http
        .get(format!("{base}/v1/calls/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["state"], "failed", "{record}");
    assert_eq!(record["result"], "no_resources", "{record}");

    shutdown.trigger();
    task.await.unwrap().unwrap();
    drop(mcu);
}
