//! Starting and stopping the VN server: open the records, close cascades a crash left dialing,
//! bind HTTP, follow the gateway's events, serve until shutdown.

use std::net::SocketAddr;

use anyhow::Context;
use service::shutdown::Shutdown;
use service::{clock, db::Db, http};
use tokio::net::TcpListener;

use crate::api;
use crate::cascades::Vnet;
use crate::config::Config;
use crate::follow::follow_gateway;
use crate::gateway_client::GatewayClient;
use crate::media::Media;
use crate::store;

/// A bound, not yet serving VN server.
pub struct Server {
    listener: TcpListener,
    vnet: Vnet,
}

impl Server {
    /// Opens `config.data`/vnet.sqlite and binds `config.http` (port 0 for a free port).
    pub async fn bind(config: Config) -> anyhow::Result<Self> {
        // Process-wide: the servers of one process (`cascade demo`) share one range.
        rtp_sockets::set_range(config.rtp_ports);
        let url = reqwest::Url::parse(&config.gateway)
            .with_context(|| format!("gateway URL {:?} is not a URL", config.gateway))?;
        anyhow::ensure!(url.scheme() == "http", "gateway URL {url} must be http://");
        service::dial::check_number(&config.cascade_prefix, 0)
            .with_context(|| format!("cascade_prefix {:?}", config.cascade_prefix))?;
        let db = Db::open(&config.db_path(), store::MIGRATIONS)
            .with_context(|| format!("cannot open {}", config.db_path().display()))?;
        let closed = db
            .call(|c| store::close_interrupted(c, clock::now()))
            .await?;
        if closed > 0 {
            tracing::warn!(closed, "closed cascades left dialing by the previous run");
        }
        let gateway = GatewayClient::new(&config.gateway, config.gateway_timeout);
        let listener = http::bind(&config.http).await?;
        // Media sockets go on the HTTP address: that is the host terminals and the gateway
        // already reach.
        let ip = listener.local_addr()?.ip();
        let ip = if ip.is_unspecified() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            ip
        };
        let vnet = Vnet::new(
            db,
            gateway,
            &config.cascade_prefix,
            Media::new(ip, config.terminal_timeout),
        );
        Ok(Self { listener, vnet })
    }

    /// The HTTP address.
    pub fn http_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    /// The VN state (for embedding and tests).
    pub fn vnet(&self) -> &Vnet {
        &self.vnet
    }

    /// Serves until `shutdown` fires.
    pub async fn serve(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let app = http::base_router(Some(self.vnet.db().clone()))
            .merge(api::router(self.vnet.clone()))
            .fallback(http::not_found)
            .method_not_allowed_fallback(http::method_not_allowed);
        let follower = tokio::spawn(follow_gateway(self.vnet.clone(), shutdown.clone()));
        tracing::info!(addr = %self.http_addr(), "VN server listening");
        let served = http::serve(self.listener, app, shutdown).await;
        let _ = follower.await;
        served.context("HTTP server failed")
    }
}

/// Binds and serves `config` until `shutdown` fires.
pub async fn run(config: Config, shutdown: Shutdown) -> anyhow::Result<()> {
    Server::bind(config).await?.serve(shutdown).await
}
