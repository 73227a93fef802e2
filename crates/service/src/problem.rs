//! RFC 9457 "Problem Details for HTTP APIs": every error any of the servers answers is an
//! `application/problem+json` body built here, with two extension members of our own,
//! `q931_cause` (Q.850 cause value) and `h225_reason` (H.225.0 ReleaseCompleteReason name), set
//! when an H.323 call ended the request.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Media type of problem bodies.
pub const CONTENT_TYPE: &str = "application/problem+json";

/// A problem details object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI naming the problem type (`about:blank` when only the status says it).
    #[serde(rename = "type", default = "about_blank")]
    pub type_uri: String,
    /// Short summary of the problem type.
    #[serde(default)]
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence, for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// URI of this occurrence (e.g. the call record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Q.850 cause value of the H.323 release, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q931_cause: Option<u8>,
    /// H.225.0 ReleaseCompleteReason of the H.323 release, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h225_reason: Option<String>,
    /// Other extension members.
    #[serde(flatten)]
    pub extensions: Map<String, Value>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

impl Problem {
    /// A problem of type `type_uri` (use `about:blank` for plain HTTP errors).
    pub fn new(status: StatusCode, type_uri: &str, title: &str) -> Self {
        Self {
            type_uri: type_uri.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            q931_cause: None,
            h225_reason: None,
            extensions: Map::new(),
        }
    }

    /// A problem that is fully described by its status code.
    pub fn status(status: StatusCode) -> Self {
        Self::new(
            status,
            "about:blank",
            status.canonical_reason().unwrap_or("Error"),
        )
    }

    /// Sets `detail`.
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Sets `instance`.
    #[must_use]
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Sets the H.323 release members.
    #[must_use]
    pub fn release(mut self, q931_cause: Option<u8>, h225_reason: Option<String>) -> Self {
        self.q931_cause = q931_cause;
        self.h225_reason = h225_reason;
        self
    }

    /// Adds an extension member.
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extensions.insert(key.to_owned(), value.into());
        self
    }

    /// The status as a `StatusCode` (500 if the stored number is not a valid status).
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        response
    }
}

impl From<crate::db::DbError> for Problem {
    fn from(e: crate::db::DbError) -> Self {
        tracing::error!(error = %e, "database failure");
        Problem::status(StatusCode::INTERNAL_SERVER_ERROR).detail("the record store failed")
    }
}

/// `axum::Json` whose rejections (bad JSON, wrong content type, missing fields) are problem+json.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    axum::Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(rejection) => {
                Err(Problem::status(rejection.status()).detail(rejection.body_text()))
            }
        }
    }
}

impl<T: Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_the_rfc_members_and_ours_flat() {
        let p = Problem::new(StatusCode::NOT_FOUND, "urn:x", "No such conference")
            .detail("conference 1234 does not exist")
            .release(Some(1), Some("calledPartyNotRegistered".into()))
            .with("call_id", "abc");
        let v: Value = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "type": "urn:x", "title": "No such conference", "status": 404,
                "detail": "conference 1234 does not exist",
                "q931_cause": 1, "h225_reason": "calledPartyNotRegistered", "call_id": "abc"
            })
        );
        let back: Problem = serde_json::from_value(v).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn a_minimal_body_defaults_type_to_about_blank() {
        let p: Problem = serde_json::from_str(r#"{"status": 502}"#).unwrap();
        assert_eq!(p.type_uri, "about:blank");
        assert_eq!(p.status_code(), StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn response_has_problem_content_type_and_status() {
        let r = Problem::status(StatusCode::CONFLICT).into_response();
        assert_eq!(r.status(), StatusCode::CONFLICT);
        assert_eq!(r.headers()[header::CONTENT_TYPE], CONTENT_TYPE);
    }
}
