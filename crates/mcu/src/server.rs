//! Starting and stopping the MCU: open the room store, seed configured rooms, bind the admin
//! HTTP and H.323 listeners, serve; on shutdown ask every participant's call to release (cause
//! 16), then stop HTTP and wait for the H.323 front end.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use service::db::Db;
use service::http;
use service::shutdown::Shutdown;
use tokio::net::TcpListener;

use crate::admission::Policy;
use crate::api;
use crate::config::Config;
use crate::registry::{LeaveCause, NewRoom, RoomRegistry};
use crate::signalling::{NoSignalling, Signalling, SignallingContext};
use crate::store;

/// How long the server waits for the H.323 front end to finish after shutdown.
const SIGNALLING_STOP: Duration = Duration::from_secs(10);

/// A bound, not yet serving MCU.
pub struct Server {
    http: TcpListener,
    h323: TcpListener,
    rooms: RoomRegistry,
    db: Db,
    pin_timeout: Duration,
}

impl Server {
    /// Opens `config.data`/mcu.sqlite, creates configured rooms that are not stored yet, binds
    /// `config.http` and `config.h323` (port 0 for free ports).
    pub async fn bind(config: Config) -> anyhow::Result<Self> {
        // Process-wide: the servers of one process (`cascade demo`) share one range.
        rtp_sockets::set_range(config.rtp_ports);
        let db = Db::open(&config.db_path(), store::MIGRATIONS)
            .with_context(|| format!("cannot open {}", config.db_path().display()))?;
        let policy = Policy {
            default_room: config.default_room.clone(),
            auto_create_rooms: config.auto_create_rooms,
        };
        let rooms = RoomRegistry::load(db.clone(), policy, config.default_max_participants).await?;
        rooms.media().set_video(config.video);
        for spec in &config.rooms {
            let created = rooms
                .seed_room(NewRoom {
                    number: spec.number.clone(),
                    name: spec.name.clone(),
                    max_participants: spec.max_participants,
                    locked: Some(spec.locked),
                    pin: spec.pin.clone(),
                    layout: None,
                })
                .await
                .with_context(|| format!("configured room {:?}", spec.number))?;
            if created {
                tracing::info!(room = %spec.number, "room created from configuration");
            }
        }
        let http = http::bind(&config.http).await?;
        let h323 = http::bind(&config.h323).await?;
        Ok(Self {
            http,
            h323,
            rooms,
            db,
            pin_timeout: config.pin_timeout,
        })
    }

    /// The admin API's address.
    pub fn http_addr(&self) -> SocketAddr {
        self.http
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    /// The H.323 call-signalling address.
    pub fn h323_addr(&self) -> SocketAddr {
        self.h323
            .local_addr()
            .expect("a bound TCP listener has a local address")
    }

    /// Rooms and participants (for the H.323 side, embedding and tests).
    pub fn rooms(&self) -> &RoomRegistry {
        &self.rooms
    }

    /// Serves HTTP and hands the H.323 listener to `signalling` until `shutdown` fires.
    pub async fn serve(
        self,
        signalling: impl Signalling,
        shutdown: Shutdown,
    ) -> anyhow::Result<()> {
        let http_stop = Shutdown::new();
        let app = http::base_router(Some(self.db.clone()))
            .merge(api::router(self.rooms.clone()))
            .fallback(http::not_found)
            .method_not_allowed_fallback(http::method_not_allowed);
        let ctx = SignallingContext {
            listener: self.h323,
            rooms: self.rooms.clone(),
            shutdown: shutdown.clone(),
            pin_timeout: self.pin_timeout,
        };
        let h323 = tokio::spawn(Box::new(signalling).serve(ctx));
        let rooms = self.rooms.clone();
        let stop_http = http_stop.clone();
        let drain = tokio::spawn(async move {
            shutdown.wait().await;
            tracing::info!("shutting down: releasing participants");
            rooms.release_all(LeaveCause::Shutdown).await;
            stop_http.trigger();
        });
        tracing::info!(addr = %self.http.local_addr()?, "MCU admin API listening");
        let served = http::serve(self.http, app, http_stop).await;
        drain.abort();
        match tokio::time::timeout(SIGNALLING_STOP, h323).await {
            Ok(Ok(r)) => r.context("H.323 signalling failed")?,
            Ok(Err(e)) => return Err(e).context("H.323 signalling task failed"),
            Err(_) => tracing::warn!("H.323 signalling did not stop in time"),
        }
        served.context("HTTP server failed")
    }
}

/// Binds and serves `config` without an H.323 front end until `shutdown` fires (the H.323 side
/// replaces [`NoSignalling`] here once it exists).
pub async fn run(config: Config, shutdown: Shutdown) -> anyhow::Result<()> {
    Server::bind(config)
        .await?
        .serve(NoSignalling, shutdown)
        .await
}
