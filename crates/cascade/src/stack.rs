//! The three servers (MCU, gateway, VN server) in this process on loopback, each on a free port
//! with its data under one directory: what `cascade demo` and `cascade bench` run against.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use service::shutdown::Shutdown;
use tokio::task::JoinHandle;

/// The running servers and where they listen.
pub struct LocalStack {
    /// MCU admin API.
    pub mcu_http: SocketAddr,
    /// MCU H.323 call signalling.
    pub mcu_h323: SocketAddr,
    /// Gateway HTTP API.
    pub gateway_http: SocketAddr,
    /// VN server HTTP API.
    pub vnet_http: SocketAddr,
    shutdown: Shutdown,
    tasks: Vec<JoinHandle<anyhow::Result<()>>>,
}

impl LocalStack {
    /// Binds the three servers on `127.0.0.1:0` with their databases under `data` and starts
    /// serving.
    pub async fn start(data: &Path) -> anyhow::Result<Self> {
        let shutdown = Shutdown::new();
        let mcu = mcu::Server::bind(mcu::Config {
            http: "127.0.0.1:0".into(),
            h323: "127.0.0.1:0".into(),
            data: data.join("mcu"),
            ..mcu::Config::default()
        })
        .await?;
        let (mcu_http, mcu_h323) = (mcu.http_addr(), mcu.h323_addr());
        let gw = gateway::Server::bind(
            gateway::Config {
                http: "127.0.0.1:0".into(),
                data: data.join("gateway"),
                ..gateway::Config::default()
            },
            Arc::new(gateway::h323::H323Dialer::default()),
        )
        .await?;
        let gateway_http = gw.http_addr();
        let vn = vnet::Server::bind(vnet::Config {
            http: "127.0.0.1:0".into(),
            data: data.join("vnet"),
            gateway: format!("http://{gateway_http}"),
            ..vnet::Config::default()
        })
        .await?;
        let vnet_http = vn.http_addr();
        let tasks = vec![
            tokio::spawn(mcu.serve(mcu::h323::H323Signalling::default(), shutdown.clone())),
            tokio::spawn(gw.serve(shutdown.clone())),
            tokio::spawn(vn.serve(shutdown.clone())),
        ];
        Ok(Self {
            mcu_http,
            mcu_h323,
            gateway_http,
            vnet_http,
            shutdown,
            tasks,
        })
    }

    /// Stops the servers (live calls are released with cause 16) and waits up to ten seconds
    /// for each.
    pub async fn stop(self) {
        self.shutdown.trigger();
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
        }
    }
}
