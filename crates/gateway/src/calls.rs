//! Placing, supervising and releasing calls. [`Calls::place`] runs the dial plan, resolves the
//! MCU, asks the [`Dialer`] under the call timeout and records the outcome; each connected call
//! then gets a supervisor task that owns its [`CallHandle`] and waits for either side to hang up.
//! HTTP handlers talk to supervisors over channels only.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use service::clock;
use service::db::{Db, DbError};
use service::dial::{DialError, DialString, Endpoint, Host};
use service::release::{CAUSE_NORMAL_CLEARING, CAUSE_TIMER_EXPIRY};
use service::shutdown::Shutdown;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::dialer::{CallEnd, CallHandle, DialFailure, DialRequest, Dialer, Initiator};
use crate::dialplan::{DialPlan, RouteError};
use crate::events::Events;
use crate::media::relay::{self, RelayHandle};
use crate::media::{MediaAddresses, MediaStats, VnSockets};
use crate::store::{self, CallRecord, CallResult, CallState};

/// How long a supervisor waits for the H.323 side to confirm a release it asked for before it
/// closes the record anyway.
pub const RELEASE_GRACE: Duration = Duration::from_secs(5);

/// Why `place` did not connect a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlaceError {
    /// The dial string does not parse (nothing was recorded or sent).
    #[error("malformed dial string: {0}")]
    Malformed(#[from] DialError),
    /// The number matches no dial-plan prefix (nothing was recorded or sent).
    #[error(transparent)]
    NoRoute(#[from] RouteError),
    /// The PIN is not 1 to 16 digits (nothing was recorded or sent).
    #[error("pin must be 1 to 16 digits")]
    BadPin,
    /// The MCU host name does not resolve.
    #[error("cannot resolve MCU host {host}: {source}")]
    Unresolvable {
        /// Host as written.
        host: String,
        /// Resolver error.
        source: std::io::Error,
    },
    /// The attempt was made and failed; the record says how.
    #[error("call failed: {}", record.detail.as_deref().unwrap_or("unknown"))]
    Failed {
        /// The failed call's record.
        record: Box<CallRecord>,
    },
    /// The gateway is shutting down.
    #[error("the gateway is shutting down")]
    ShuttingDown,
    /// The record store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why `release` did not release.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReleaseError {
    /// No such call.
    #[error("no call {0}")]
    NotFound(Uuid),
    /// The call is still being set up.
    #[error("call {0} is still dialing")]
    StillDialing(Uuid),
    /// The record store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

enum Command {
    Release {
        cause: u8,
        reply: oneshot::Sender<CallRecord>,
    },
}

/// Settings for [`Calls`].
#[derive(Debug, Clone)]
pub struct CallSettings {
    /// Dial plan.
    pub plan: DialPlan,
    /// Time allowed for the MCU to answer.
    pub call_timeout: Duration,
    /// Display name when a request has none.
    pub default_display: String,
    /// Where the VN-side media sockets are bound when the request gives no address to route
    /// towards.
    pub media_ip: IpAddr,
}

/// The gateway's calls.
#[derive(Clone)]
pub struct Calls {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    dialer: Arc<dyn Dialer>,
    settings: CallSettings,
    events: Events,
    live: Mutex<HashMap<Uuid, mpsc::Sender<Command>>>,
    /// Statistics of the live calls' media relays.
    media: Mutex<HashMap<Uuid, Arc<Mutex<MediaStats>>>>,
    shutdown: Shutdown,
}

impl Calls {
    /// Calls recorded in `db`, placed through `dialer`; no new call is placed once `shutdown`
    /// fires.
    pub fn new(
        db: Db,
        dialer: Arc<dyn Dialer>,
        settings: CallSettings,
        shutdown: Shutdown,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                dialer,
                settings,
                events: Events::new(),
                live: Mutex::new(HashMap::new()),
                media: Mutex::new(HashMap::new()),
                shutdown,
            }),
        }
    }

    /// The event bus.
    pub fn events(&self) -> &Events {
        &self.inner.events
    }

    /// The record store.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Number of connected calls.
    pub fn live_count(&self) -> usize {
        self.live().len()
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, mpsc::Sender<Command>>> {
        // A panic while holding this lock leaves a plain map behind; keep using it.
        self.inner.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn media_stats(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Mutex<MediaStats>>>> {
        self.inner.media.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Places a call to `dial` and returns its record once the MCU answered (and, with a `pin`,
    /// admitted the call after it was keyed). `media` is where the VN side receives this call's
    /// media (none: learnt from what it sends).
    pub async fn place(
        &self,
        dial: &str,
        display: Option<&str>,
        media: Option<MediaAddresses>,
        pin: Option<&str>,
    ) -> Result<CallRecord, PlaceError> {
        let parsed: DialString = dial.parse()?;
        if pin
            .is_some_and(|p| !(1..=16).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(PlaceError::BadPin);
        }
        let routed = self.inner.settings.plan.route(&parsed.number)?;
        if self.inner.shutdown.is_triggered() {
            return Err(PlaceError::ShuttingDown);
        }
        let addr = resolve(&parsed.mcu).await?;
        let display = display
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .unwrap_or(&self.inner.settings.default_display)
            .to_owned();
        let mut record = CallRecord {
            id: Uuid::now_v7(),
            state: CallState::Dialing,
            dial: dial.to_owned(),
            display: display.clone(),
            conference: routed.conference.to_owned(),
            mcu: parsed.mcu.with_port(),
            result: None,
            q931_cause: None,
            h225_reason: None,
            released_by: None,
            detail: None,
            started_at: clock::now(),
            connected_at: None,
            ended_at: None,
            media: None,
            media_stats: None,
        };
        let vn_peer = media.unwrap_or_default();
        let towards = vn_peer.audio.or(vn_peer.video).map(|a| a.rtp);
        // Bound now so that the addresses exist before the MCU answers; a failure leaves the
        // call without media rather than without a call.
        let vn_sockets = match VnSockets::bind(towards, self.inner.settings.media_ip).await {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(error = %e, "cannot bind VN-side media sockets; the call will carry no media");
                None
            }
        };
        self.save(&record).await?;
        self.inner.events.publish(&record);
        tracing::info!(call = %record.id, dial, mcu = %addr, "dialing");

        let request = DialRequest::new(
            record.id,
            record.conference.clone(),
            addr,
            record.mcu.clone(),
            display,
        )
        .with_pin(pin.map(str::to_owned));
        let attempt = tokio::time::timeout(
            self.inner.settings.call_timeout,
            self.inner.dialer.dial(request),
        );
        let outcome = tokio::select! {
            r = attempt => r.unwrap_or(Err(DialFailure::Timeout)).map_err(Some),
            _ = self.inner.shutdown.wait() => Err(None),
        };
        match outcome {
            Ok(mut handle) => {
                let relay = match (vn_sockets, handle.media.take()) {
                    (Some(vn), Some(mcu)) => {
                        record.media = vn.addresses().ok();
                        record.media_stats = Some(MediaStats::default());
                        let seed = store::id_seed(record.id);
                        let cname = format!("gateway-{}", record.id);
                        let relay = relay::spawn(cname, vn, vn_peer, mcu, seed);
                        self.media_stats().insert(record.id, relay.stats.clone());
                        Some(relay)
                    }
                    _ => None,
                };
                record.state = CallState::Connected;
                record.result = Some(CallResult::Answered);
                record.connected_at = Some(clock::now());
                // Register before publishing so a DELETE right after the 201 finds the call.
                let (tx, rx) = mpsc::channel(4);
                self.live().insert(record.id, tx);
                if let Err(e) = self.save(&record).await {
                    self.live().remove(&record.id);
                    let _ = handle.release.send(CAUSE_NORMAL_CLEARING);
                    return Err(e.into());
                }
                self.inner.events.publish(&record);
                metrics::counter!("cascade_gateway_calls_total", "result" => "answered")
                    .increment(1);
                tokio::spawn(self.clone().supervise(record.clone(), handle, rx, relay));
                Ok(record)
            }
            Err(failure) => {
                fail(&mut record, failure);
                self.save(&record).await?;
                self.inner.events.publish(&record);
                let result = record.result.map_or("error", result_label);
                metrics::counter!("cascade_gateway_calls_total", "result" => result).increment(1);
                tracing::info!(call = %record.id, result, detail = record.detail.as_deref(), "call failed");
                Err(PlaceError::Failed {
                    record: Box::new(record),
                })
            }
        }
    }

    /// The record of call `id`, live or ended; a live call's media statistics are current.
    pub async fn get(&self, id: Uuid) -> Result<Option<CallRecord>, DbError> {
        let mut record = self.inner.db.call(move |c| store::get(c, id)).await?;
        if let Some(r) = record.as_mut() {
            if let Some(stats) = self.media_stats().get(&id) {
                r.media_stats = Some(*stats.lock().unwrap_or_else(|e| e.into_inner()));
            }
        }
        Ok(record)
    }

    /// Records, newest first.
    pub async fn list(
        &self,
        state: Option<CallState>,
        limit: u32,
    ) -> Result<Vec<CallRecord>, DbError> {
        self.inner
            .db
            .call(move |c| store::list(c, state, limit))
            .await
    }

    /// Releases call `id` with Q.850 cause 16 and returns its final record; an already ended
    /// call's record is returned as it is.
    pub async fn release(&self, id: Uuid) -> Result<CallRecord, ReleaseError> {
        let tx = self.live().get(&id).cloned();
        if let Some(tx) = tx {
            let (reply, done) = oneshot::channel();
            let cmd = Command::Release {
                cause: CAUSE_NORMAL_CLEARING,
                reply,
            };
            if tx.send(cmd).await.is_ok() {
                if let Ok(record) = done.await {
                    return Ok(record);
                }
            }
            // The supervisor finished on its own meanwhile: its record is final.
        }
        match self.get(id).await? {
            None => Err(ReleaseError::NotFound(id)),
            Some(r) if r.state == CallState::Dialing => Err(ReleaseError::StillDialing(id)),
            Some(r) => Ok(r),
        }
    }

    /// Releases every connected call with `cause` and waits until their records are final.
    pub async fn release_all(&self, cause: u8) {
        let senders: Vec<_> = self.live().values().cloned().collect();
        let mut waits = Vec::with_capacity(senders.len());
        for tx in senders {
            let (reply, done) = oneshot::channel();
            if tx.send(Command::Release { cause, reply }).await.is_ok() {
                waits.push(done);
            }
        }
        for done in waits {
            let _ = done.await;
        }
    }

    async fn save(&self, record: &CallRecord) -> Result<(), DbError> {
        let r = record.clone();
        self.inner.db.write(move |c| store::save(c, &r)).await
    }

    async fn supervise(
        self,
        mut record: CallRecord,
        handle: CallHandle,
        mut rx: mpsc::Receiver<Command>,
        relay: Option<RelayHandle>,
    ) {
        let CallHandle {
            release, mut ended, ..
        } = handle;
        let mut release = Some(release);
        let mut asked: Option<u8> = None;
        let mut replies = Vec::new();
        // Armed only once a release was asked for (see the `if` guard below).
        let grace = tokio::time::sleep(RELEASE_GRACE);
        tokio::pin!(grace);
        let mut rx_open = true;
        let end = loop {
            tokio::select! {
                end = &mut ended => break end.ok(),
                cmd = rx.recv(), if rx_open => match cmd {
                    Some(Command::Release { cause, reply }) => {
                        replies.push(reply);
                        if let Some(tx) = release.take() {
                            asked = Some(cause);
                            let _ = tx.send(cause);
                            grace.as_mut().reset(tokio::time::Instant::now() + RELEASE_GRACE);
                        }
                    }
                    None => rx_open = false,
                },
                _ = &mut grace, if release.is_none() => break None,
            }
        };
        self.live().remove(&record.id);
        if let Some(relay) = relay {
            // The relay stops once the call task closed its events: wait for its BYEs and final
            // figures (bounded, so a stuck socket cannot hold the record open).
            let stats = relay.stats.clone();
            let _ = tokio::time::timeout(Duration::from_secs(2), relay.task).await;
            record.media_stats = Some(*stats.lock().unwrap_or_else(|e| e.into_inner()));
            self.media_stats().remove(&record.id);
        }
        // Commands that raced with the end still get the final record.
        rx.close();
        while let Some(Command::Release { reply, .. }) = rx.recv().await {
            replies.push(reply);
        }
        let end = end.unwrap_or(CallEnd {
            initiator: if asked.is_some() {
                Initiator::Gateway
            } else {
                Initiator::Mcu
            },
            q931_cause: asked,
            h225_reason: None,
        });
        record.state = CallState::Released;
        record.ended_at = Some(clock::now());
        record.released_by = Some(end.initiator);
        record.q931_cause = end.q931_cause;
        record.h225_reason = end.h225_reason;
        if let Err(e) = self.save(&record).await {
            tracing::error!(call = %record.id, error = %e, "cannot record the release");
        }
        tracing::info!(call = %record.id, by = ?end.initiator, cause = ?end.q931_cause, "released");
        self.inner.events.publish(&record);
        for reply in replies {
            let _ = reply.send(record.clone());
        }
    }
}

fn result_label(r: CallResult) -> &'static str {
    match r {
        CallResult::Answered => "answered",
        CallResult::Rejected => "rejected",
        CallResult::Unreachable => "unreachable",
        CallResult::NoResources => "no_resources",
        CallResult::Timeout => "timeout",
        CallResult::Error => "error",
        CallResult::Cancelled => "cancelled",
    }
}

/// Fills in a failed record; `None` means the gateway shut down while dialing.
fn fail(record: &mut CallRecord, failure: Option<DialFailure>) {
    record.state = CallState::Failed;
    record.ended_at = Some(clock::now());
    let (result, cause, reason, detail) = match failure {
        None => (
            CallResult::Cancelled,
            None,
            None,
            "the gateway shut down while dialing".to_owned(),
        ),
        Some(
            f @ (DialFailure::Rejected {
                q931_cause,
                h225_reason,
            }
            | DialFailure::PinRefused {
                q931_cause,
                h225_reason,
            }),
        ) => {
            let cause = q931_cause.or(h225_reason.map(|r| r.q850_cause()));
            let words = cause.map_or("no cause given", service::release::cause_text);
            let conference = &record.conference;
            let detail = if matches!(f, DialFailure::PinRefused { .. }) {
                format!(
                    "the MCU answered, then refused the call to conference {conference} at PIN entry (wrong or missing PIN): {words}"
                )
            } else {
                format!("the MCU refused the call to conference {conference}: {words}")
            };
            (CallResult::Rejected, cause, h225_reason, detail)
        }
        Some(DialFailure::Unreachable(e)) => (
            CallResult::Unreachable,
            None,
            None,
            format!("cannot connect to the MCU at {}: {e}", record.mcu),
        ),
        Some(DialFailure::NoResources(e)) => (
            CallResult::NoResources,
            None,
            None,
            format!(
                "the gateway lacks the resources for a call to {}: {e}",
                record.mcu
            ),
        ),
        Some(DialFailure::Timeout) => (
            CallResult::Timeout,
            Some(CAUSE_TIMER_EXPIRY),
            None,
            format!("the MCU at {} did not answer in time", record.mcu),
        ),
        Some(DialFailure::Protocol { detail }) => (CallResult::Error, None, None, detail),
    };
    record.result = Some(result);
    record.q931_cause = cause;
    record.h225_reason = reason;
    record.detail = Some(detail);
}

async fn resolve(mcu: &Endpoint) -> Result<SocketAddr, PlaceError> {
    let port = mcu.port_or_default();
    match &mcu.host {
        Host::V4(a) => Ok(SocketAddr::from((*a, port))),
        Host::V6(a) => Ok(SocketAddr::from((*a, port))),
        Host::Name(name) => {
            let unresolvable = |source| PlaceError::Unresolvable {
                host: name.clone(),
                source,
            };
            tokio::net::lookup_host((name.as_str(), port))
                .await
                .map_err(unresolvable)?
                .next()
                .ok_or_else(|| {
                    unresolvable(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no address found",
                    ))
                })
        }
    }
}
