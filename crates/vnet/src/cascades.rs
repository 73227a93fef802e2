//! VN conferences and their cascades: validating what the operator asked, sending the first call
//! request to the gateway, recording the outcome, ending cascades, and turning causes into words
//! an operator understands ("conference 1234 does not exist on 192.0.2.10").

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use serde::Deserialize;
use service::clock;
use service::db::{Db, DbError};
use service::dial::{check_number, DialError, DialString, Endpoint};
use service::problem::Problem;
use service::release::cause_text;

use crate::gateway_client::{GatewayCall, GatewayClient, GatewayError};
use crate::media::Media;
use crate::store::{self, Cascade, CascadeState, Conference};

/// Releases remembered for calls whose cascade was not recorded yet (the event can overtake the
/// gateway's 201).
const RECENT_RELEASES: usize = 1024;
/// Longest conference name (h323-ID is BMPString (SIZE (1..256))).
pub const MAX_NAME_LEN: usize = 128;

/// Body of `POST /v1/conferences/{id}/cascades`: either `dial`, or `conference` and `mcu`.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CascadeRequest {
    /// Full dial string, e.g. `801234@192.0.2.10`.
    #[serde(default)]
    pub dial: Option<String>,
    /// Internet conference number.
    #[serde(default)]
    pub conference: Option<String>,
    /// MCU address.
    #[serde(default)]
    pub mcu: Option<String>,
    /// The remote conference's PIN, which the gateway keys as DTMF once the MCU answered (never
    /// stored).
    #[serde(default)]
    pub pin: Option<String>,
}

// By hand: the PIN must not reach logs through `{:?}`.
impl std::fmt::Debug for CascadeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CascadeRequest")
            .field("dial", &self.dial)
            .field("conference", &self.conference)
            .field("mcu", &self.mcu)
            .field("pin", &self.pin.as_ref().map(|_| "…"))
            .finish()
    }
}

/// A VN operation that failed; each maps to a problem+json answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VnetError {
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// The dial string, conference number or MCU address does not parse.
    #[error("{what}: {source}")]
    BadDial {
        /// Which field.
        what: &'static str,
        /// Why.
        source: DialError,
    },
    /// No such conference or cascade.
    #[error("{0}")]
    NotFound(String),
    /// The gateway refused or failed; the cascade is recorded as failed.
    #[error("{}", cascade.reason.as_deref().unwrap_or("cascade failed"))]
    CascadeFailed {
        /// The failed cascade.
        cascade: Box<Cascade>,
        /// The gateway's problem.
        problem: Box<Problem>,
    },
    /// The gateway did not answer.
    #[error("{0}")]
    Gateway(#[from] GatewayError),
    /// The record store failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<VnetError> for Problem {
    fn from(e: VnetError) -> Self {
        const P: &str = "urn:cascade:problem:";
        match e {
            VnetError::Invalid(_) | VnetError::BadDial { .. } => Problem::new(
                StatusCode::BAD_REQUEST,
                &format!("{P}invalid-cascade"),
                "Invalid request",
            )
            .detail(e.to_string()),
            VnetError::NotFound(_) => Problem::status(StatusCode::NOT_FOUND).detail(e.to_string()),
            VnetError::CascadeFailed { cascade, problem } => {
                let mut p = Problem::new(problem.status_code(), &problem.type_uri, &problem.title)
                    .release(problem.q931_cause, problem.h225_reason.clone())
                    .instance(format!(
                        "/v1/conferences/{}/cascades/{}",
                        cascade.conference_id, cascade.id
                    ))
                    .with("cascade_id", cascade.id)
                    .with("conference", cascade.conference.as_str())
                    .with("mcu", cascade.mcu.as_str());
                if let Some(r) = &cascade.reason {
                    p = p.detail(r.as_str());
                }
                if let Some(id) = problem.extensions.get("call_id") {
                    p = p.with("gateway_call_id", id.clone());
                }
                p
            }
            VnetError::Gateway(GatewayError::Problem { problem }) => *problem,
            VnetError::Gateway(g @ GatewayError::Unreachable { .. }) => Problem::new(
                StatusCode::BAD_GATEWAY,
                &format!("{P}gateway-unreachable"),
                "Gateway unreachable",
            )
            .detail(g.to_string()),
            VnetError::Db(e) => e.into(),
        }
    }
}

/// The VN server's state. Clones share it.
#[derive(Clone)]
pub struct Vnet {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    gateway: GatewayClient,
    prefix: String,
    // Calls being ended by an operator: their release events must not overwrite the reason.
    ending: Mutex<HashSet<String>>,
    recent_releases: Mutex<VecDeque<GatewayCall>>,
    media: Media,
}

impl Vnet {
    /// State over `db`, cascading through `gateway` with `prefix` for conference+MCU requests,
    /// with conference media on `media`.
    pub fn new(db: Db, gateway: GatewayClient, prefix: &str, media: Media) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                gateway,
                prefix: prefix.to_owned(),
                ending: Mutex::new(HashSet::new()),
                recent_releases: Mutex::new(VecDeque::new()),
                media,
            }),
        }
    }

    /// The gateway client.
    pub fn gateway(&self) -> &GatewayClient {
        &self.inner.gateway
    }

    /// Conference media (terminals, mixing, cascade legs).
    pub fn media(&self) -> &Media {
        &self.inner.media
    }

    /// The cascade prefix.
    pub fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// The record store.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    /// Creates a VN conference.
    pub async fn create_conference(&self, name: &str) -> Result<Conference, VnetError> {
        let name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(VnetError::Invalid(format!(
                "name must be 1 to {MAX_NAME_LEN} characters"
            )));
        }
        Ok(self
            .inner
            .db
            .call(move |c| store::insert_conference(c, &name, clock::now()))
            .await?)
    }

    /// All conferences.
    pub async fn conferences(&self) -> Result<Vec<Conference>, VnetError> {
        Ok(self.inner.db.call(|c| store::conferences(c)).await?)
    }

    /// One conference.
    pub async fn conference(&self, id: i64) -> Result<Conference, VnetError> {
        self.inner
            .db
            .call(move |c| store::conference(c, id))
            .await?
            .ok_or_else(|| VnetError::NotFound(format!("no VN conference {id}")))
    }

    /// Ends the conference's live cascades, then deletes it.
    pub async fn delete_conference(&self, id: i64) -> Result<(), VnetError> {
        let conf = self.conference(id).await?;
        for k in conf
            .cascades
            .iter()
            .filter(|k| k.state == CascadeState::Cascaded)
        {
            self.end_cascade(id, k.id).await?;
        }
        self.inner
            .db
            .call(move |c| store::delete_conference(c, id))
            .await?;
        self.inner.media.close(id);
        Ok(())
    }

    /// One cascade of conference `conference_id`.
    pub async fn cascade(&self, conference_id: i64, id: i64) -> Result<Cascade, VnetError> {
        self.inner
            .db
            .call(move |c| store::cascade(c, id))
            .await?
            .filter(|k| k.conference_id == conference_id)
            .ok_or_else(|| {
                VnetError::NotFound(format!("no cascade {id} in VN conference {conference_id}"))
            })
    }

    /// Cascades conference `conference_id` into the internet conference `req` names.
    pub async fn cascade_to(
        &self,
        conference_id: i64,
        req: &CascadeRequest,
    ) -> Result<Cascade, VnetError> {
        let (dial, conference, mcu) = self.target(req)?;
        // Checked here as the gateway does, so that a bad PIN is refused before any record.
        if req
            .pin
            .as_deref()
            .is_some_and(|p| !(1..=16).contains(&p.len()) || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(VnetError::Invalid("pin must be 1 to 16 digits".into()));
        }
        // Only the name is needed: loading the conference would read every cascade it ever had.
        let name = self
            .inner
            .db
            .call(move |c| store::conference_name(c, conference_id))
            .await?
            .ok_or_else(|| VnetError::NotFound(format!("no VN conference {conference_id}")))?;
        let now = clock::now();
        let draft = Cascade {
            id: 0,
            conference_id,
            state: CascadeState::Dialing,
            dial: dial.clone(),
            conference,
            mcu,
            gateway_call_id: None,
            reason: None,
            q931_cause: None,
            h225_reason: None,
            created_at: now,
            cascaded_at: None,
            ended_at: None,
        };
        let mut k = self
            .inner
            .db
            .write(move |c| store::insert_cascade(c, &draft))
            .await?;
        tracing::info!(conference = conference_id, cascade = k.id, %dial, "cascading");
        // Our receive addresses for this cascade go in the request; without sockets the cascade
        // still works, only without media.
        let leg = match self.inner.media.prepare_cascade().await {
            Ok(leg) => Some(leg),
            Err(e) => {
                tracing::warn!(error = %e, "cannot bind the cascade's media sockets");
                None
            }
        };
        let offer = leg.as_ref().map(|l| l.addresses);
        let placed = self
            .inner
            .gateway
            .place(&dial, &name, offer.as_ref(), req.pin.as_deref())
            .await;
        match placed {
            Ok(call) => {
                if let Some(leg) = leg {
                    let gateway = call.media.unwrap_or_default();
                    self.inner
                        .media
                        .attach_cascade(conference_id, k.id, leg, gateway);
                }
                k.state = CascadeState::Cascaded;
                k.gateway_call_id = Some(call.id.clone());
                k.cascaded_at = Some(clock::now());
                self.save(&k).await?;
                metrics::counter!("cascade_vnet_cascades_total", "result" => "cascaded")
                    .increment(1);
                // The MCU may already have hung up (event seen before we stored the call id).
                if let Some(ended) = self.take_release(&call.id) {
                    self.call_ended(&ended).await?;
                    return self.cascade(conference_id, k.id).await;
                }
                Ok(k)
            }
            Err(GatewayError::Problem { problem }) => {
                k.state = CascadeState::Failed;
                k.ended_at = Some(clock::now());
                k.q931_cause = problem.q931_cause;
                k.h225_reason = problem.h225_reason.clone();
                k.gateway_call_id = problem
                    .extensions
                    .get("call_id")
                    .and_then(|v| v.as_str())
                    .map(str::to_owned);
                k.reason = Some(if req.pin.is_some() && problem.q931_cause == Some(21) {
                    format!(
                        "conference {} on {} refused the PIN (wrong, or not accepted in time)",
                        k.conference, k.mcu
                    )
                } else {
                    failure_reason(&problem, &k.conference, &k.mcu)
                });
                self.save(&k).await?;
                metrics::counter!("cascade_vnet_cascades_total", "result" => "failed").increment(1);
                tracing::info!(
                    cascade = k.id,
                    reason = k.reason.as_deref(),
                    "cascade failed"
                );
                Err(VnetError::CascadeFailed {
                    cascade: Box::new(k),
                    problem,
                })
            }
            Err(e @ GatewayError::Unreachable { .. }) => {
                k.state = CascadeState::Failed;
                k.ended_at = Some(clock::now());
                k.reason = Some(format!(
                    "the gateway at {} cannot be reached",
                    self.inner.gateway.base()
                ));
                self.save(&k).await?;
                metrics::counter!("cascade_vnet_cascades_total", "result" => "failed").increment(1);
                Err(e.into())
            }
        }
    }

    /// Ends a cascade: the gateway releases its call (cause 16).
    pub async fn end_cascade(&self, conference_id: i64, id: i64) -> Result<Cascade, VnetError> {
        let mut k = self.cascade(conference_id, id).await?;
        if k.state != CascadeState::Cascaded {
            return Ok(k);
        }
        let call_id = k.gateway_call_id.clone().unwrap_or_default();
        // While set, release events for this call are ignored: the operator's reason wins. It
        // is cleared only after our own record is written, so a late event finds the cascade
        // already ended and changes nothing.
        self.ending().insert(call_id.clone());
        let outcome = async {
            let call = self.inner.gateway.release(&call_id).await?;
            let current = self.cascade(conference_id, id).await?;
            if current.state != CascadeState::Cascaded {
                self.inner.media.detach_cascade(conference_id, id);
                return Ok(current);
            }
            k.state = CascadeState::Ended;
            k.ended_at = Some(clock::now());
            k.reason = Some("ended by the operator".into());
            k.q931_cause = call.as_ref().and_then(|c| c.q931_cause);
            self.save(&k).await?;
            self.inner.media.detach_cascade(conference_id, id);
            Ok(k)
        }
        .await;
        self.ending().remove(&call_id);
        outcome
    }

    /// Records that a gateway call is over (from the event stream or reconciliation).
    pub async fn call_ended(&self, call: &GatewayCall) -> Result<Option<Cascade>, VnetError> {
        if self.ending().contains(&call.id) {
            return Ok(None);
        }
        // Noted before looking, not after finding nothing: `cascade_to` stores a new call id
        // and then looks here, so whichever order the two take, one of them sees the other
        // and the release is not missed (both ending it is harmless: only a cascaded cascade
        // is ended).
        self.note_release(call);
        // A gateway that serves other clients too sends their calls' releases as well: a read
        // tells whether the call is ours without opening a write. The reason names the MCU as
        // our cascade recorded it.
        let id = call.id.clone();
        let Some(mcu) = self
            .inner
            .db
            .call(move |c| store::mcu_of_call(c, &id))
            .await?
        else {
            return Ok(None);
        };
        self.take_release(&call.id);
        let call = call.clone();
        let ended = self
            .inner
            .db
            .write(move |c| {
                let reason = ended_reason(&call, &mcu);
                store::end_by_call(
                    c,
                    &call.id,
                    &reason,
                    call.q931_cause,
                    call.h225_reason.as_deref(),
                    clock::now(),
                )
            })
            .await?;
        if let Some(k) = &ended {
            self.inner.media.detach_cascade(k.conference_id, k.id);
            tracing::info!(
                cascade = k.id,
                reason = k.reason.as_deref(),
                "cascade ended"
            );
        }
        Ok(ended)
    }

    fn recent_releases(&self) -> std::sync::MutexGuard<'_, VecDeque<GatewayCall>> {
        // A panic while holding this lock leaves a plain queue behind; keep using it.
        self.inner
            .recent_releases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `call` for a `cascade_to` whose record of the call id the release overtook.
    fn note_release(&self, call: &GatewayCall) {
        let mut recent = self.recent_releases();
        if recent.len() == RECENT_RELEASES {
            recent.pop_front();
        }
        recent.push_back(call.clone());
    }

    /// The release of `call_id` noted for `cascade_to`, taken out.
    fn take_release(&self, call_id: &str) -> Option<GatewayCall> {
        let mut recent = self.recent_releases();
        let pos = recent.iter().position(|c| c.id == call_id);
        pos.and_then(|p| recent.remove(p))
    }

    /// Asks the gateway about every cascaded call and ends those that are over (after a
    /// reconnect of the event stream, or a restart of either server).
    pub async fn reconcile(&self) -> Result<usize, VnetError> {
        let live = self
            .inner
            .db
            .call(|c| store::cascades_in(c, CascadeState::Cascaded))
            .await?;
        let mut ended = 0;
        for k in live {
            let Some(call_id) = k.gateway_call_id.as_deref() else {
                continue;
            };
            let call = match self.inner.gateway.call(call_id).await? {
                Some(call) if !call.is_over() => continue,
                Some(call) => call,
                None => GatewayCall {
                    id: call_id.to_owned(),
                    state: "released".into(),
                    conference: k.conference.clone(),
                    mcu: k.mcu.clone(),
                    q931_cause: None,
                    h225_reason: None,
                    released_by: None,
                    detail: Some("the gateway no longer knows this call".into()),
                    media: None,
                },
            };
            ended += usize::from(self.call_ended(&call).await?.is_some());
        }
        Ok(ended)
    }

    fn ending(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.inner.ending.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn save(&self, k: &Cascade) -> Result<(), DbError> {
        let k = k.clone();
        self.inner
            .db
            .write(move |c| store::save_cascade(c, &k))
            .await
    }

    /// Dial string, remote conference and MCU text for a request.
    fn target(&self, req: &CascadeRequest) -> Result<(String, String, String), VnetError> {
        match (&req.dial, &req.conference, &req.mcu) {
            (Some(dial), None, None) => {
                let d: DialString = dial.trim().parse().map_err(|source| VnetError::BadDial {
                    what: "dial",
                    source,
                })?;
                let conference = d
                    .number
                    .strip_prefix(self.inner.prefix.as_str())
                    .filter(|c| !c.is_empty())
                    .unwrap_or(&d.number)
                    .to_owned();
                Ok((d.to_string(), conference, d.mcu.to_string()))
            }
            (None, Some(conference), Some(mcu)) => {
                let conference = conference.trim();
                check_number(conference, 0).map_err(|source| VnetError::BadDial {
                    what: "conference",
                    source,
                })?;
                let mcu: Endpoint = mcu.trim().parse().map_err(|source| VnetError::BadDial {
                    what: "mcu",
                    source,
                })?;
                let number = format!("{}{conference}", self.inner.prefix);
                let d = DialString::new(&number, mcu).map_err(|source| VnetError::BadDial {
                    what: "conference",
                    source,
                })?;
                Ok((d.to_string(), conference.to_owned(), d.mcu.to_string()))
            }
            _ => Err(VnetError::Invalid(
                "give either \"dial\" (e.g. \"801234@192.0.2.10\") or both \"conference\" and \"mcu\"".into(),
            )),
        }
    }
}

/// Why a cascade failed, for an operator.
pub fn failure_reason(p: &Problem, conference: &str, mcu: &str) -> String {
    let detail = p.detail.as_deref().unwrap_or(&p.title);
    match (p.status, p.q931_cause) {
        (_, Some(1)) | (404, None) => format!("conference {conference} does not exist on {mcu}"),
        (_, Some(17)) | (409, None) => format!("conference {conference} on {mcu} is full"),
        (_, Some(21)) | (403, None) => {
            format!("conference {conference} on {mcu} refused the call (locked, not allowed, or a PIN is needed)")
        }
        (504, _) => format!("the MCU {mcu} did not answer within the gateway's call timeout"),
        (400, _) => format!("the gateway refused the dial string: {detail}"),
        (422, _) => format!("the gateway has no route for this number: {detail}"),
        (503, _) if p.type_uri.ends_with("no-resources") => {
            format!("the gateway lacks the resources for another call, try again later: {detail}")
        }
        (503, _) => "the gateway is shutting down".to_owned(),
        (502, None) if p.type_uri.ends_with("mcu-unreachable") => {
            format!("the MCU {mcu} cannot be reached: {detail}")
        }
        (_, Some(c)) => format!(
            "the call to conference {conference} on {mcu} failed: cause {c} ({})",
            cause_text(c)
        ),
        (status, None) => format!("the gateway answered {status} {}: {detail}", p.title),
    }
}

/// Why a cascade ended, for an operator.
pub fn ended_reason(call: &GatewayCall, mcu: &str) -> String {
    let cause = call
        .q931_cause
        .map(|c| format!(" (cause {c}, {})", cause_text(c)))
        .unwrap_or_default();
    match call.released_by.as_deref() {
        Some("mcu") => format!("the MCU {mcu} ended the call{cause}"),
        Some("gateway") => match &call.detail {
            Some(d) => format!("the gateway ended the call: {d}"),
            None => format!("the gateway ended the call{cause}"),
        },
        _ => call
            .detail
            .clone()
            .unwrap_or_else(|| format!("the call ended{cause}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(status: u16, cause: Option<u8>) -> Problem {
        let mut p = Problem::status(StatusCode::from_u16(status).unwrap()).detail("d");
        p.q931_cause = cause;
        p
    }

    #[test]
    fn failure_words() {
        assert_eq!(
            failure_reason(&problem(404, Some(1)), "1234", "192.0.2.10"),
            "conference 1234 does not exist on 192.0.2.10"
        );
        assert_eq!(
            failure_reason(&problem(409, Some(17)), "1234", "192.0.2.10"),
            "conference 1234 on 192.0.2.10 is full"
        );
        assert!(failure_reason(&problem(403, Some(21)), "1", "m").contains("refused"));
        assert!(failure_reason(&problem(504, Some(102)), "1", "m").contains("did not answer"));
        assert!(failure_reason(&problem(502, Some(34)), "1", "m").contains("no circuit"));
        assert!(failure_reason(&problem(422, None), "1", "m").contains("no route"));
        let mut busy = problem(503, None);
        busy.type_uri = "urn:cascade:problem:no-resources".into();
        assert!(failure_reason(&busy, "1", "m").contains("lacks the resources"));
        assert!(failure_reason(&problem(503, None), "1", "m").contains("shutting down"));
    }

    #[test]
    fn ended_words() {
        let call = GatewayCall {
            id: "x".into(),
            state: "released".into(),
            conference: "1234".into(),
            mcu: "m:1720".into(),
            q931_cause: Some(16),
            h225_reason: None,
            released_by: Some("mcu".into()),
            detail: None,
            media: None,
        };
        assert_eq!(
            ended_reason(&call, "192.0.2.10"),
            "the MCU 192.0.2.10 ended the call (cause 16, normal call clearing)"
        );
    }
}
