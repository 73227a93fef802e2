//! The gateway's HTTP API as the VN server uses it: place a call, release it, read it, and the
//! URL of its event stream. Only the fields the VN server needs are read, so the two servers can
//! evolve apart.

use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use service::problem::Problem;

use crate::media::MediaAddresses;

/// A call as the gateway reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GatewayCall {
    /// Call id.
    pub id: String,
    /// `dialing`, `connected`, `failed` or `released`.
    pub state: String,
    /// Conference number on the MCU (prefix stripped).
    #[serde(default)]
    pub conference: String,
    /// MCU `host:port`.
    #[serde(default)]
    pub mcu: String,
    /// Q.850 cause of the release or refusal.
    #[serde(default)]
    pub q931_cause: Option<u8>,
    /// H.225.0 reason of the release or refusal.
    #[serde(default)]
    pub h225_reason: Option<String>,
    /// `gateway` or `mcu`.
    #[serde(default)]
    pub released_by: Option<String>,
    /// The gateway's words.
    #[serde(default)]
    pub detail: Option<String>,
    /// Where the gateway receives this call's media from us.
    #[serde(default)]
    pub media: Option<MediaAddresses>,
}

impl GatewayCall {
    /// The call is over.
    pub fn is_over(&self) -> bool {
        matches!(self.state.as_str(), "released" | "failed")
    }
}

/// A gateway request that did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The gateway answered with an error (its problem body, or one made from the status).
    #[error("the gateway answered {}: {}", problem.status, problem.detail.as_deref().unwrap_or(&problem.title))]
    Problem {
        /// The problem.
        problem: Box<Problem>,
    },
    /// No answer from the gateway.
    #[error("cannot reach the gateway at {url}: {source}")]
    Unreachable {
        /// Gateway base URL.
        url: String,
        /// Cause.
        source: reqwest::Error,
    },
}

/// Client of one gateway.
#[derive(Debug, Clone)]
pub struct GatewayClient {
    http: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl GatewayClient {
    /// A client of the gateway at `base` (e.g. `http://127.0.0.1:8081`); `timeout` bounds each
    /// request except the event stream.
    pub fn new(base: &str, timeout: Duration) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
            timeout,
        }
    }

    /// The gateway base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET /v1/events`, not timed out: the caller reads it for as long as it lasts.
    pub fn events(&self) -> reqwest::RequestBuilder {
        // Only the ends of calls matter here (`GatewayCall::is_over`).
        self.http
            .get(format!("{}/v1/events?state=released,failed", self.base))
            .header(reqwest::header::ACCEPT, "text/event-stream")
    }

    /// `POST /v1/calls`; `media` is where we receive the call's media, `pin` the conference
    /// PIN when there is one.
    pub async fn place(
        &self,
        dial: &str,
        display: &str,
        media: Option<&MediaAddresses>,
        pin: Option<&str>,
    ) -> Result<GatewayCall, GatewayError> {
        let mut body = serde_json::json!({ "dial": dial, "display": display });
        if let Some(m) = media {
            body["media"] = serde_json::to_value(m).unwrap_or_default();
        }
        if let Some(pin) = pin {
            body["pin"] = pin.into();
        }
        let r = self
            .http
            .post(format!("{}/v1/calls", self.base))
            .timeout(self.timeout)
            .json(&body)
            .send()
            .await;
        self.read(r).await
    }

    /// `DELETE /v1/calls/{id}`; `Ok(None)` if the gateway does not know the call.
    pub async fn release(&self, id: &str) -> Result<Option<GatewayCall>, GatewayError> {
        let r = self
            .http
            .delete(format!("{}/v1/calls/{id}", self.base))
            .timeout(self.timeout)
            .send()
            .await;
        not_found_is_none(self.read(r).await)
    }

    /// `GET /v1/calls/{id}`; `Ok(None)` if the gateway does not know the call.
    pub async fn call(&self, id: &str) -> Result<Option<GatewayCall>, GatewayError> {
        let r = self
            .http
            .get(format!("{}/v1/calls/{id}", self.base))
            .timeout(self.timeout)
            .send()
            .await;
        not_found_is_none(self.read(r).await)
    }

    async fn read(
        &self,
        r: reqwest::Result<reqwest::Response>,
    ) -> Result<GatewayCall, GatewayError> {
        let unreachable = |source| GatewayError::Unreachable {
            url: self.base.clone(),
            source,
        };
        let r = r.map_err(unreachable)?;
        let status = r.status();
        let body = r.bytes().await.map_err(unreachable)?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|e| GatewayError::Problem {
                problem: Box::new(
                    Problem::status(StatusCode::BAD_GATEWAY)
                        .detail(format!("the gateway's answer is not a call record: {e}")),
                ),
            });
        }
        let problem = serde_json::from_slice::<Problem>(&body).unwrap_or_else(|_| {
            Problem::status(status).detail(
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>(),
            )
        });
        Err(GatewayError::Problem {
            problem: Box::new(problem),
        })
    }
}

fn not_found_is_none(
    r: Result<GatewayCall, GatewayError>,
) -> Result<Option<GatewayCall>, GatewayError> {
    match r {
        Ok(c) => Ok(Some(c)),
        Err(GatewayError::Problem { problem }) if problem.status == 404 => Ok(None),
        Err(e) => Err(e),
    }
}
