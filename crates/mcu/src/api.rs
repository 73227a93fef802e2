//! The MCU's admin HTTP API: rooms (`/v1/rooms[/{number}]`) and kicking participants
//! (`DELETE /v1/rooms/{number}/participants/{id}`). Errors are problem+json.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use axum::{Json, Router};
use service::problem::{ApiJson, Problem};

use crate::registry::{NewRoom, ParticipantId, RoomError, RoomPatch, RoomRegistry, RoomView};

/// All admin routes.
pub fn router(rooms: RoomRegistry) -> Router {
    Router::new()
        .route("/v1/rooms", get(list).post(create))
        .route("/v1/rooms/{number}", get(show).patch(update).delete(remove))
        .route("/v1/rooms/{number}/participants/{id}", delete(kick))
        .with_state(rooms)
}

async fn list(State(rooms): State<RoomRegistry>) -> Json<Vec<RoomView>> {
    Json(rooms.rooms())
}

async fn create(
    State(rooms): State<RoomRegistry>,
    ApiJson(new): ApiJson<NewRoom>,
) -> Result<impl IntoResponse, Problem> {
    let view = rooms.create_room(new).await.map_err(problem)?;
    let location = format!("/v1/rooms/{}", view.room.number);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(view),
    ))
}

async fn show(
    State(rooms): State<RoomRegistry>,
    Path(number): Path<String>,
) -> Result<Json<RoomView>, Problem> {
    rooms
        .room(&number)
        .map(Json)
        .ok_or_else(|| problem(RoomError::NotFound(number)))
}

async fn update(
    State(rooms): State<RoomRegistry>,
    Path(number): Path<String>,
    ApiJson(patch): ApiJson<RoomPatch>,
) -> Result<Json<RoomView>, Problem> {
    rooms
        .update_room(&number, patch)
        .await
        .map(Json)
        .map_err(problem)
}

async fn remove(
    State(rooms): State<RoomRegistry>,
    Path(number): Path<String>,
) -> Result<StatusCode, Problem> {
    rooms.delete_room(&number).await.map_err(problem)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn kick(
    State(rooms): State<RoomRegistry>,
    Path((number, id)): Path<(String, String)>,
) -> Result<StatusCode, Problem> {
    let id: ParticipantId = id.parse().map_err(|_| {
        Problem::status(StatusCode::NOT_FOUND).detail(format!("{id:?} is not a participant id"))
    })?;
    rooms.kick(&number, id).await.map_err(problem)?;
    Ok(StatusCode::NO_CONTENT)
}

fn problem(e: RoomError) -> Problem {
    const P: &str = "urn:cascade:problem:";
    match e {
        RoomError::NotFound(_) | RoomError::NoParticipant { .. } => {
            Problem::status(StatusCode::NOT_FOUND).detail(e.to_string())
        }
        RoomError::Exists(_) => Problem::new(
            StatusCode::CONFLICT,
            &format!("{P}room-exists"),
            "Room exists",
        )
        .detail(e.to_string()),
        RoomError::Invalid(_) => Problem::new(
            StatusCode::BAD_REQUEST,
            &format!("{P}invalid-room"),
            "Invalid room",
        )
        .detail(e.to_string()),
        RoomError::Db(e) => e.into(),
    }
}
