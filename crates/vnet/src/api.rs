//! The VN server's HTTP API (`/v1/conferences`, `/v1/conferences/{id}/cascades`,
//! `/v1/conferences/{id}/terminals`) and the
//! operator page at `/`. Errors are problem+json; a failed cascade answers with the gateway's
//! status and the cause, plus the operator's reason.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use service::problem::{ApiJson, Problem};

use crate::cascades::{CascadeRequest, Vnet, VnetError};
use crate::media::{NewTerminal, Terminal};
use crate::store::{Cascade, Conference};

const PAGE: &str = include_str!("web/index.html");

/// Body of `POST /v1/conferences`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewConference {
    /// Name.
    pub name: String,
}

/// All routes.
pub fn router(vnet: Vnet) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/v1/info", get(info))
        .route("/v1/conferences", get(list).post(create))
        .route("/v1/conferences/{id}", get(show).delete(remove))
        .route(
            "/v1/conferences/{id}/cascades",
            axum::routing::post(cascade),
        )
        .route(
            "/v1/conferences/{id}/cascades/{cid}",
            get(show_cascade).delete(end_cascade),
        )
        .route(
            "/v1/conferences/{id}/terminals",
            get(list_terminals).post(add_terminal),
        )
        .route(
            "/v1/conferences/{id}/terminals/{tid}",
            axum::routing::delete(remove_terminal),
        )
        .with_state(vnet)
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

async fn info(State(v): State<Vnet>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "gateway": v.gateway().base(), "cascade_prefix": v.prefix() }))
}

fn id(text: &str) -> Result<i64, Problem> {
    text.parse().map_err(|_| {
        Problem::status(StatusCode::NOT_FOUND).detail(format!("{text:?} is not an id"))
    })
}

/// A conference with its live terminals (kept in memory, not in the records).
fn with_terminals(v: &Vnet, conf: Conference) -> serde_json::Value {
    let terminals = v.media().terminals(conf.id);
    let mut value = serde_json::to_value(conf).unwrap_or_default();
    value["terminals"] = serde_json::to_value(terminals).unwrap_or_default();
    value
}

async fn list(State(v): State<Vnet>) -> Result<Json<Vec<serde_json::Value>>, Problem> {
    let confs = v.conferences().await?;
    Ok(Json(
        confs.into_iter().map(|c| with_terminals(&v, c)).collect(),
    ))
}

async fn create(
    State(v): State<Vnet>,
    ApiJson(body): ApiJson<NewConference>,
) -> Result<impl IntoResponse, Problem> {
    let conf = v.create_conference(&body.name).await?;
    let location = format!("/v1/conferences/{}", conf.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(conf),
    ))
}

async fn show(
    State(v): State<Vnet>,
    Path(cid): Path<String>,
) -> Result<Json<serde_json::Value>, Problem> {
    let conf = v.conference(id(&cid)?).await?;
    Ok(Json(with_terminals(&v, conf)))
}

async fn list_terminals(
    State(v): State<Vnet>,
    Path(cid): Path<String>,
) -> Result<Json<Vec<Terminal>>, Problem> {
    let conf = v.conference(id(&cid)?).await?;
    Ok(Json(v.media().terminals(conf.id)))
}

async fn add_terminal(
    State(v): State<Vnet>,
    Path(cid): Path<String>,
    ApiJson(body): ApiJson<NewTerminal>,
) -> Result<impl IntoResponse, Problem> {
    let conf = v.conference(id(&cid)?).await?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > crate::cascades::MAX_NAME_LEN {
        return Err(VnetError::Invalid(format!(
            "name must be 1 to {} characters",
            crate::cascades::MAX_NAME_LEN
        ))
        .into());
    }
    let req = NewTerminal {
        name: name.to_owned(),
        media: body.media,
    };
    let t = v.media().add_terminal(conf.id, req).await.map_err(|e| {
        Problem::status(StatusCode::SERVICE_UNAVAILABLE)
            .detail(format!("cannot bind media sockets for the terminal: {e}"))
    })?;
    let location = format!("/v1/conferences/{}/terminals/{}", conf.id, t.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(t)))
}

async fn remove_terminal(
    State(v): State<Vnet>,
    Path((c, t)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let conf = id(&c)?;
    let tid: u64 = t.parse().map_err(|_| {
        Problem::status(StatusCode::NOT_FOUND).detail(format!("{t:?} is not a terminal id"))
    })?;
    if v.media().remove_terminal(conf, tid) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::status(StatusCode::NOT_FOUND)
            .detail(format!("no terminal {tid} in VN conference {conf}")))
    }
}

async fn remove(State(v): State<Vnet>, Path(cid): Path<String>) -> Result<StatusCode, Problem> {
    v.delete_conference(id(&cid)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cascade(
    State(v): State<Vnet>,
    Path(cid): Path<String>,
    ApiJson(body): ApiJson<CascadeRequest>,
) -> Result<impl IntoResponse, Problem> {
    let conf = id(&cid)?;
    match v.cascade_to(conf, &body).await {
        Ok(k) => {
            let location = format!("/v1/conferences/{conf}/cascades/{}", k.id);
            Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(k)))
        }
        Err(e) => Err(e.into()),
    }
}

async fn show_cascade(
    State(v): State<Vnet>,
    Path((c, k)): Path<(String, String)>,
) -> Result<Json<Cascade>, Problem> {
    Ok(Json(v.cascade(id(&c)?, id(&k)?).await?))
}

async fn end_cascade(
    State(v): State<Vnet>,
    Path((c, k)): Path<(String, String)>,
) -> Result<Json<Cascade>, Problem> {
    v.end_cascade(id(&c)?, id(&k)?)
        .await
        .map(Json)
        .map_err(|e: VnetError| e.into())
}
