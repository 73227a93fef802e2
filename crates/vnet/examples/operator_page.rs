//! The operator page with data in it, for a person to look at: a gateway with the fake H.323
//! dialer and a VN server on loopback, two conferences cascaded and one failed cascade.
//!
//! `cargo run -p vnet --example operator_page -- [SECONDS]` (default 60), then open the URL.

use std::sync::Arc;
use std::time::Duration;

use gateway::fake::{FakeDialer, FakeOutcome};
use service::shutdown::Shutdown;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let dir = tempfile::tempdir()?;
    let fake = FakeDialer::new();
    fake.set("9999", FakeOutcome::no_such_conference());
    let shutdown = Shutdown::new();
    let gw = gateway::Server::bind(
        gateway::Config {
            http: "127.0.0.1:0".into(),
            data: dir.path().join("gw"),
            ..gateway::Config::default()
        },
        Arc::new(fake),
    )
    .await?;
    let gw_url = format!("http://{}", gw.http_addr());
    let gw_task = tokio::spawn(gw.serve(shutdown.clone()));
    let vn = vnet::Server::bind(vnet::Config {
        http: "127.0.0.1:0".into(),
        data: dir.path().join("vn"),
        gateway: gw_url,
        ..vnet::Config::default()
    })
    .await?;
    let url = format!("http://{}", vn.http_addr());
    let v = vn.vnet().clone();
    let vn_task = tokio::spawn(vn.serve(shutdown.clone()));

    let a = v.create_conference("Team A").await?;
    let b = v.create_conference("Team B").await?;
    let req = |dial: &str| vnet::cascades::CascadeRequest {
        dial: Some(dial.into()),
        ..Default::default()
    };
    v.cascade_to(a.id, &req("801234@127.0.0.1")).await?;
    v.cascade_to(b.id, &req("805678@127.0.0.1")).await?;
    let _ = v.cascade_to(b.id, &req("809999@127.0.0.1")).await;

    println!("{url}/");
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    shutdown.trigger();
    vn_task.await??;
    gw_task.await??;
    Ok(())
}
