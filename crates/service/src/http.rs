//! The HTTP pieces every server mounts: `GET /healthz`, `GET /metrics` (Prometheus text), a
//! problem+json 404 fallback, and `serve`, which stops accepting on shutdown and waits for open
//! requests.
//!
//! Long-lived responses (Server-Sent Events) must end themselves on shutdown, e.g. with
//! `StreamExt::take_until(shutdown.wait())`, or graceful shutdown waits for them forever.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;

use crate::db::Db;
use crate::problem::Problem;
use crate::shutdown::Shutdown;

/// Routes `/healthz` (checks `db` with a query when given) and `/metrics`.
pub fn base_router(db: Option<Db>) -> Router {
    // Install the recorder now, so metrics recorded before the first scrape are kept.
    prometheus();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(db)
}

/// The fallback for unknown paths.
pub async fn not_found() -> Problem {
    Problem::status(StatusCode::NOT_FOUND).detail("no such resource")
}

/// The answer for a known path with an unsupported method.
pub async fn method_not_allowed() -> Problem {
    Problem::status(StatusCode::METHOD_NOT_ALLOWED)
        .detail("this resource does not support that method")
}

async fn healthz(State(db): State<Option<Db>>) -> Result<Json<serde_json::Value>, Problem> {
    if let Some(db) = db {
        db.call(|c| {
            c.prepare_cached("SELECT 1")?
                .query_row([], |r| r.get::<_, i64>(0))
        })
        .await
        .map_err(|_| {
            Problem::status(StatusCode::SERVICE_UNAVAILABLE).detail("database not answering")
        })?;
    }
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        prometheus().render(),
    )
}

/// The process-wide Prometheus recorder (installed on first use; `metrics::counter!` and friends
/// anywhere in the process report to it).
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        // Fails only if another recorder is installed; then /metrics shows nothing, which is
        // better than refusing to start.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder is already installed; /metrics will be empty");
        }
        handle
    })
}

/// Serves `app` on `listener` until `shutdown` fires, then waits for open requests to finish.
pub async fn serve(listener: TcpListener, app: Router, shutdown: Shutdown) -> std::io::Result<()> {
    prometheus();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.wait().await })
        .await
}

/// Binds a TCP listener, saying which address failed.
pub async fn bind(addr: &str) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr).await.map_err(|source| BindError {
        addr: addr.to_owned(),
        source,
    })
}

/// A listener could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct BindError {
    /// Address as configured.
    pub addr: String,
    /// Cause.
    pub source: std::io::Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn healthz_metrics_and_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.sqlite"), &[]).unwrap();
        let app = base_router(Some(db))
            .fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed);
        let listener = bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = Shutdown::new();
        let server = tokio::spawn(serve(listener, app, shutdown.clone()));
        metrics::counter!("service_test_total").increment(1);

        let client = reqwest::Client::new();
        let r = client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["status"], "ok");
        let r = client
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .unwrap();
        assert!(r.text().await.unwrap().contains("service_test_total 1"));
        let r = client
            .get(format!("http://{addr}/nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["content-type"], crate::problem::CONTENT_TYPE);
        let r = client
            .post(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405);
        assert_eq!(r.headers()["content-type"], crate::problem::CONTENT_TYPE);

        shutdown.trigger();
        server.await.unwrap().unwrap();
    }
}
