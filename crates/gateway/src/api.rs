//! The HTTP API: routes, handlers, the OpenAPI document, and how call failures become
//! problem+json responses (the HTTP status follows the Q.850 cause: 1 → 404, 17 → 409, 21 → 403,
//! no answer → 504, anything else → 502).

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use service::problem::{ApiJson, Problem};
use service::release::{CAUSE_CALL_REJECTED, CAUSE_UNALLOCATED_NUMBER, CAUSE_USER_BUSY};
use service::shutdown::Shutdown;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;
use utoipa::OpenApi;
use uuid::Uuid;

use crate::calls::{Calls, PlaceError, ReleaseError};
use crate::dialplan::RouteError;
use crate::events::CallEvent;
use crate::media::{DirectionStats, MediaAddresses, MediaStats, RtpAddress, StreamStats};
use crate::store::{CallRecord, CallResult, CallState};

const PROBLEM: &str = "urn:cascade:problem:";

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The calls.
    pub calls: Calls,
    /// Fired when the HTTP server stops, to end event streams.
    pub http_stop: Shutdown,
}

/// Body of `POST /v1/calls`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCall {
    /// `<prefix><conference>@<mcu>[:port]`, e.g. `801234@192.0.2.10`.
    pub dial: String,
    /// Caller name shown by the MCU (sent as Display and h323-ID).
    #[serde(default)]
    pub display: Option<String>,
    /// Where the VN side receives this call's media; the `201` answers with where the gateway
    /// receives the VN side's. Without it the gateway sends to wherever the VN side sends from.
    #[serde(default)]
    pub media: Option<MediaAddresses>,
    /// The conference's PIN (1 to 16 digits), keyed as DTMF (H.245 userInput, one indication
    /// per key, then `#`) right after the MCU answered. The answer is 201 once the MCU admitted
    /// the call after the PIN, 403 with Q.850 cause 21 when it released it instead.
    #[serde(default)]
    #[schema(example = "4321")]
    pub pin: Option<String>,
}

/// Query of `GET /v1/calls`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only calls in this state.
    pub state: Option<CallState>,
    /// At most this many (default 100, at most 1000), newest first.
    pub limit: Option<u32>,
}

/// Query of `GET /v1/events`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only events of calls entering these states, comma-separated (e.g. `released,failed` for
    /// a subscriber that only needs to know when calls end); all states when absent.
    #[param(example = "released,failed")]
    pub state: Option<String>,
}

/// The states an events query asks for; `None` for all.
fn wanted_states(q: &EventsQuery) -> Result<Option<Vec<CallState>>, Problem> {
    let Some(list) = q.state.as_deref() else {
        return Ok(None);
    };
    list.split(',')
        .map(str::trim)
        .map(|name| {
            serde_json::from_value::<CallState>(serde_json::Value::String(name.into())).map_err(
                |_| {
                    Problem::status(StatusCode::BAD_REQUEST).detail(format!(
                        "state {name:?} is not one of dialing, connected, failed, released"
                    ))
                },
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The OpenAPI description served at `/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cascade gateway",
        description = "HTTP to H.323 gateway: places calls into MCU conferences."
    ),
    paths(create_call, list_calls, get_call, delete_call, events),
    components(schemas(
        NewCall,
        CallRecord,
        CallEvent,
        Problem,
        MediaAddresses,
        RtpAddress,
        MediaStats,
        DirectionStats,
        StreamStats
    ))
)]
pub struct ApiDoc;

/// All routes of the gateway.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/calls", get(list_calls).post(create_call))
        .route("/v1/calls/{id}", get(get_call).delete(delete_call))
        .route("/v1/events", get(events))
        .route("/openapi.json", get(openapi))
        .with_state(state)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// Place a call (the cascade's "first call request"); answers once the MCU answered.
#[utoipa::path(
    post, path = "/v1/calls", request_body = NewCall,
    responses(
        (status = 201, description = "The MCU answered", body = CallRecord),
        (status = 400, description = "Malformed dial string or PIN", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Rejected: room locked, or PIN wrong or missing (Q.850 cause 21)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conference (Q.850 cause 1)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Conference full / busy (Q.850 cause 17)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown dial prefix", body = Problem, content_type = "application/problem+json"),
        (status = 502, description = "MCU unreachable or other failure", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Shutting down, or out of resources (file descriptors, RTP ports): try again later", body = Problem, content_type = "application/problem+json"),
        (status = 504, description = "No answer within the call timeout", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_call(State(s): State<AppState>, ApiJson(body): ApiJson<NewCall>) -> Response {
    let placed = s
        .calls
        .place(
            &body.dial,
            body.display.as_deref(),
            body.media,
            body.pin.as_deref(),
        )
        .await;
    match placed {
        Ok(record) => (
            StatusCode::CREATED,
            [(header::LOCATION, format!("/v1/calls/{}", record.id))],
            Json(record),
        )
            .into_response(),
        Err(e) => place_problem(&body.dial, e).into_response(),
    }
}

/// List call records, newest first.
#[utoipa::path(get, path = "/v1/calls", params(ListQuery), responses((status = 200, body = Vec<CallRecord>)))]
async fn list_calls(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<CallRecord>>, Problem> {
    let limit = q.limit.unwrap_or(100).min(1000);
    Ok(Json(s.calls.list(q.state, limit).await?))
}

/// One call record, live or ended.
#[utoipa::path(
    get, path = "/v1/calls/{id}", params(("id" = String, Path, description = "Call id")),
    responses((status = 200, body = CallRecord), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
async fn get_call(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CallRecord>, Problem> {
    let id = call_id(&id)?;
    s.calls.get(id).await?.map(Json).ok_or_else(|| no_call(id))
}

/// Release a call (Q.850 cause 16); answers with the final record.
#[utoipa::path(
    delete, path = "/v1/calls/{id}", params(("id" = String, Path, description = "Call id")),
    responses(
        (status = 200, body = CallRecord),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Still dialing", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn delete_call(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CallRecord>, Problem> {
    let id = call_id(&id)?;
    match s.calls.release(id).await {
        Ok(r) => Ok(Json(r)),
        Err(ReleaseError::NotFound(id)) => Err(no_call(id)),
        Err(ReleaseError::StillDialing(id)) => Err(Problem::new(
            StatusCode::CONFLICT,
            &format!("{PROBLEM}still-dialing"),
            "Call still being set up",
        )
        .detail(format!(
            "call {id} has not been answered yet; try again when it is connected"
        ))),
        Err(ReleaseError::Db(e)) => Err(e.into()),
    }
}

/// Server-Sent Events: `ready` once subscribed, then one `call` event per state change (only
/// those into the states `?state=` names, when given), and `resync` if events were lost.
#[utoipa::path(get, path = "/v1/events", params(EventsQuery), responses((status = 200, description = "text/event-stream of CallEvent", body = CallEvent, content_type = "text/event-stream"), (status = 400, description = "unknown state in `state`", body = Problem, content_type = "application/problem+json")))]
async fn events(
    State(s): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let wanted = wanted_states(&q)?;
    let rx = s.calls.events().subscribe();
    let ready =
        futures_util::stream::once(async { Ok(Event::default().event("ready").data("{}")) });
    let changes = BroadcastStream::new(rx).filter_map(move |item| {
        let event = match item {
            Ok(ev) if wanted.as_ref().is_some_and(|w| !w.contains(&ev.kind)) => None,
            Ok(ev) => Some(
                Event::default()
                    .event("call")
                    .id(ev.seq.to_string())
                    .json_data(&ev)
                    .unwrap_or_else(|_| Event::default().event("resync").data("{}")),
            ),
            Err(BroadcastStreamRecvError::Lagged(n)) => Some(
                Event::default()
                    .event("resync")
                    .data(format!("{{\"missed\":{n}}}")),
            ),
        };
        std::future::ready(event.map(Ok))
    });
    let stop = s.http_stop.wait();
    Ok(Sse::new(ready.chain(changes).take_until(stop)).keep_alive(KeepAlive::default()))
}

fn call_id(text: &str) -> Result<Uuid, Problem> {
    Uuid::parse_str(text).map_err(|_| {
        Problem::status(StatusCode::NOT_FOUND).detail(format!("{text:?} is not a call id"))
    })
}

fn no_call(id: Uuid) -> Problem {
    Problem::status(StatusCode::NOT_FOUND).detail(format!("no call {id}"))
}

/// Maps a failed `place` to its problem.
pub fn place_problem(dial: &str, e: PlaceError) -> Problem {
    match e {
        PlaceError::Malformed(err) => Problem::new(
            StatusCode::BAD_REQUEST,
            &format!("{PROBLEM}malformed-dial-string"),
            "Malformed dial string",
        )
        .detail(format!("{dial:?}: {err}"))
        .with("dial", dial),
        PlaceError::BadPin => Problem::new(
            StatusCode::BAD_REQUEST,
            &format!("{PROBLEM}malformed-pin"),
            "Malformed PIN",
        )
        .detail(e.to_string()),
        PlaceError::NoRoute(err) => {
            let kind = match err {
                RouteError::NoConference { .. } => "no-conference-number",
                _ => "unknown-prefix",
            };
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("{PROBLEM}{kind}"),
                "Unknown dial prefix",
            )
            .detail(err.to_string())
            .with("dial", dial)
        }
        PlaceError::Unresolvable { .. } => Problem::new(
            StatusCode::BAD_GATEWAY,
            &format!("{PROBLEM}mcu-unreachable"),
            "MCU unreachable",
        )
        .detail(e.to_string())
        .with("dial", dial),
        PlaceError::Failed { record } => failed_call(&record),
        PlaceError::ShuttingDown => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("{PROBLEM}shutting-down"),
            "Gateway shutting down",
        ),
        PlaceError::Db(e) => e.into(),
    }
}

fn failed_call(r: &CallRecord) -> Problem {
    let (status, kind, title) = match (r.result, r.q931_cause) {
        (Some(CallResult::Rejected), Some(CAUSE_UNALLOCATED_NUMBER)) => (
            StatusCode::NOT_FOUND,
            "no-such-conference",
            "No such conference",
        ),
        (Some(CallResult::Rejected), Some(CAUSE_USER_BUSY)) => (
            StatusCode::CONFLICT,
            "conference-full",
            "Conference full or busy",
        ),
        (Some(CallResult::Rejected), Some(CAUSE_CALL_REJECTED)) => {
            (StatusCode::FORBIDDEN, "call-rejected", "Call rejected")
        }
        (Some(CallResult::Timeout), _) => (StatusCode::GATEWAY_TIMEOUT, "no-answer", "No answer"),
        (Some(CallResult::Unreachable), _) => (
            StatusCode::BAD_GATEWAY,
            "mcu-unreachable",
            "MCU unreachable",
        ),
        (Some(CallResult::NoResources), _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "no-resources",
            "Gateway out of resources",
        ),
        (Some(CallResult::Cancelled), _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting-down",
            "Gateway shutting down",
        ),
        _ => (StatusCode::BAD_GATEWAY, "call-failed", "Call failed"),
    };
    let mut p = Problem::new(status, &format!("{PROBLEM}{kind}"), title)
        .instance(format!("/v1/calls/{}", r.id))
        .release(r.q931_cause, r.h225_reason.map(|x| x.as_str().to_owned()))
        .with("call_id", r.id.to_string())
        .with("dial", r.dial.as_str())
        .with("conference", r.conference.as_str())
        .with("mcu", r.mcu.as_str());
    if let Some(d) = &r.detail {
        p = p.detail(d.as_str());
    }
    p
}
