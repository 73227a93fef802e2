//! Starting and stopping the gateway: open the CDR database, bind the HTTP listener, serve until
//! shutdown, then release every live call with cause 16 before the HTTP server stops.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use service::db::Db;
use service::release::CAUSE_NORMAL_CLEARING;
use service::shutdown::Shutdown;
use service::{clock, http};
use tokio::net::TcpListener;

use crate::api::{self, AppState};
use crate::calls::{CallSettings, Calls};
use crate::config::Config;
use crate::dialer::Dialer;
use crate::dialplan::DialPlan;
use crate::store;

/// A bound, not yet serving gateway.
pub struct Server {
    listener: TcpListener,
    calls: Calls,
    db: Db,
    shutdown_calls: Shutdown,
}

impl Server {
    /// Opens the records in `config.data`, closes those a crash left open, and binds
    /// `config.http` (use port 0 for a free port).
    pub async fn bind(config: Config, dialer: Arc<dyn Dialer>) -> anyhow::Result<Self> {
        // Process-wide: the servers of one process (`cascade demo`) share one range.
        rtp_sockets::set_range(config.rtp_ports);
        let plan = DialPlan::new(config.dial_plan.clone()).context("invalid dial plan")?;
        let db = Db::open(&config.db_path(), store::MIGRATIONS)
            .with_context(|| format!("cannot open {}", config.db_path().display()))?;
        let closed = db
            .call(|c| store::close_interrupted(c, clock::now()))
            .await?;
        if closed > 0 {
            tracing::warn!(closed, "closed call records left open by the previous run");
        }
        let listener = http::bind(&config.http).await?;
        let shutdown_calls = Shutdown::new();
        let http_ip = listener.local_addr()?.ip();
        let settings = CallSettings {
            plan,
            call_timeout: config.call_timeout,
            default_display: config.default_display.clone(),
            media_ip: if http_ip.is_unspecified() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                http_ip
            },
        };
        let calls = Calls::new(db.clone(), dialer, settings, shutdown_calls.clone());
        Ok(Self {
            listener,
            calls,
            db,
            shutdown_calls,
        })
    }

    /// The HTTP API's address.
    pub fn http_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    /// The calls (for embedding and tests).
    pub fn calls(&self) -> &Calls {
        &self.calls
    }

    /// Serves until `shutdown` fires; then refuses new calls, releases live ones with cause 16,
    /// waits for their records, and stops HTTP (ending event streams).
    pub async fn serve(self, shutdown: Shutdown) -> anyhow::Result<()> {
        let http_stop = Shutdown::new();
        let state = AppState {
            calls: self.calls.clone(),
            http_stop: http_stop.clone(),
        };
        let app = http::base_router(Some(self.db.clone()))
            .merge(api::router(state))
            .fallback(http::not_found)
            .method_not_allowed_fallback(http::method_not_allowed);
        let calls = self.calls.clone();
        let stop_calls = self.shutdown_calls.clone();
        let stop_http = http_stop.clone();
        let drain = tokio::spawn(async move {
            shutdown.wait().await;
            stop_calls.trigger();
            let live = calls.live_count();
            tracing::info!(live, "shutting down: releasing live calls");
            calls.release_all(CAUSE_NORMAL_CLEARING).await;
            stop_http.trigger();
        });
        tracing::info!(addr = %self.http_addr(), "gateway HTTP API listening");
        let served = http::serve(self.listener, app, http_stop).await;
        drain.abort();
        served.context("HTTP server failed")
    }
}

/// Binds and serves `config` until `shutdown` fires.
pub async fn run(
    config: Config,
    dialer: Arc<dyn Dialer>,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    Server::bind(config, dialer).await?.serve(shutdown).await
}
