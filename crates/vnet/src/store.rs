//! VN conferences and their cascades in SQLite (`vnet.sqlite`). A cascade row is written before
//! the gateway is asked (`dialing`) and updated with the outcome, so a crash mid-request leaves a
//! trace that the next start closes.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use service::clock;
use service::db::Migration;
use time::OffsetDateTime;

/// Schema of `vnet.sqlite`.
pub const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    description: "conferences and cascades",
    sql: "CREATE TABLE conferences (
              id         INTEGER PRIMARY KEY AUTOINCREMENT,
              name       TEXT NOT NULL,
              created_at TEXT NOT NULL
          );
          CREATE TABLE cascades (
              id              INTEGER PRIMARY KEY AUTOINCREMENT,
              conference_id   INTEGER NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
              state           TEXT NOT NULL,
              dial            TEXT NOT NULL,
              conference      TEXT NOT NULL,
              mcu             TEXT NOT NULL,
              gateway_call_id TEXT,
              reason          TEXT,
              q931_cause      INTEGER,
              h225_reason     TEXT,
              created_at      TEXT NOT NULL,
              cascaded_at     TEXT,
              ended_at        TEXT
          );
          CREATE INDEX cascades_conference ON cascades (conference_id);
          CREATE INDEX cascades_call ON cascades (gateway_call_id);",
}];

/// Where a cascade is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CascadeState {
    /// Waiting for the gateway's answer.
    Dialing,
    /// The internet conference is joined.
    Cascaded,
    /// The gateway or MCU refused; `reason` says why.
    Failed,
    /// Was cascaded, now over; `reason` says why.
    Ended,
}

impl CascadeState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Dialing => "dialing",
            Self::Cascaded => "cascaded",
            Self::Failed => "failed",
            Self::Ended => "ended",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "dialing" => Self::Dialing,
            "cascaded" => Self::Cascaded,
            "ended" => Self::Ended,
            _ => Self::Failed,
        }
    }
}

/// One cascade of a VN conference into an internet conference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cascade {
    /// Cascade id.
    pub id: i64,
    /// The VN conference.
    pub conference_id: i64,
    /// State.
    pub state: CascadeState,
    /// Dial string sent to the gateway.
    pub dial: String,
    /// Internet conference number on the MCU.
    pub conference: String,
    /// MCU as given.
    pub mcu: String,
    /// The gateway's call id, once answered.
    pub gateway_call_id: Option<String>,
    /// Why it failed or ended, in operator words.
    pub reason: Option<String>,
    /// Q.850 cause of the refusal or release.
    pub q931_cause: Option<u8>,
    /// H.225.0 reason of the refusal or release.
    pub h225_reason: Option<String>,
    /// When requested.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it became cascaded.
    #[serde(with = "time::serde::rfc3339::option")]
    pub cascaded_at: Option<OffsetDateTime>,
    /// When it failed or ended.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
}

/// A VN conference with its cascades.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conference {
    /// Id.
    pub id: i64,
    /// Name (sent as the caller's display and h323-ID).
    pub name: String,
    /// When created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// At least one cascade is up.
    pub cascaded: bool,
    /// All cascades, oldest first.
    pub cascades: Vec<Cascade>,
}

fn cascade_row(row: &Row<'_>) -> rusqlite::Result<Cascade> {
    Ok(Cascade {
        id: row.get("id")?,
        conference_id: row.get("conference_id")?,
        state: CascadeState::parse(&row.get::<_, String>("state")?),
        dial: row.get("dial")?,
        conference: row.get("conference")?,
        mcu: row.get("mcu")?,
        gateway_call_id: row.get("gateway_call_id")?,
        reason: row.get("reason")?,
        q931_cause: row.get("q931_cause")?,
        h225_reason: row.get("h225_reason")?,
        created_at: clock::from_sql(&row.get::<_, String>("created_at")?)?,
        cascaded_at: clock::from_sql_opt(row.get("cascaded_at")?)?,
        ended_at: clock::from_sql_opt(row.get("ended_at")?)?,
    })
}

/// Creates a conference.
pub fn insert_conference(
    c: &Connection,
    name: &str,
    now: OffsetDateTime,
) -> rusqlite::Result<Conference> {
    c.prepare_cached("INSERT INTO conferences (name, created_at) VALUES (?1, ?2)")?
        .execute(params![name, clock::to_text(now)])?;
    Ok(Conference {
        id: c.last_insert_rowid(),
        name: name.to_owned(),
        created_at: now,
        cascaded: false,
        cascades: Vec::new(),
    })
}

fn cascades_of(c: &Connection, conference_id: i64) -> rusqlite::Result<Vec<Cascade>> {
    let mut stmt =
        c.prepare_cached("SELECT * FROM cascades WHERE conference_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([conference_id], cascade_row)?;
    rows.collect()
}

fn with_cascades(
    c: &Connection,
    id: i64,
    name: String,
    created_at: OffsetDateTime,
) -> rusqlite::Result<Conference> {
    let cascades = cascades_of(c, id)?;
    Ok(Conference {
        id,
        name,
        created_at,
        cascaded: cascades.iter().any(|k| k.state == CascadeState::Cascaded),
        cascades,
    })
}

/// One conference with its cascades.
pub fn conference(c: &Connection, id: i64) -> rusqlite::Result<Option<Conference>> {
    let row = c
        .query_row(
            "SELECT name, created_at FROM conferences WHERE id = ?1",
            [id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?;
    row.map(|(name, created)| with_cascades(c, id, name, clock::from_sql(&created)?))
        .transpose()
}

/// A conference's name alone (without loading its cascades, which grow with its history).
pub fn conference_name(c: &Connection, id: i64) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT name FROM conferences WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

/// All conferences with their cascades.
pub fn conferences(c: &Connection) -> rusqlite::Result<Vec<Conference>> {
    let mut stmt = c.prepare_cached("SELECT id, name, created_at FROM conferences ORDER BY id")?;
    let rows: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(id, name, created)| with_cascades(c, id, name, clock::from_sql(&created)?))
        .collect()
}

/// Deletes a conference and its cascades; false if it did not exist.
pub fn delete_conference(c: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached("DELETE FROM conferences WHERE id = ?1")?
        .execute([id])?
        == 1)
}

/// One cascade.
pub fn cascade(c: &Connection, id: i64) -> rusqlite::Result<Option<Cascade>> {
    c.prepare_cached("SELECT * FROM cascades WHERE id = ?1")?
        .query_row([id], cascade_row)
        .optional()
}

/// Cascades in `state`.
pub fn cascades_in(c: &Connection, state: CascadeState) -> rusqlite::Result<Vec<Cascade>> {
    let mut stmt = c.prepare_cached("SELECT * FROM cascades WHERE state = ?1 ORDER BY id")?;
    let rows = stmt.query_map([state.as_str()], cascade_row)?;
    rows.collect()
}

/// Inserts a new cascade (id ignored) and returns it with its id.
pub fn insert_cascade(c: &Connection, k: &Cascade) -> rusqlite::Result<Cascade> {
    c.prepare_cached(
        "INSERT INTO cascades (conference_id, state, dial, conference, mcu, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        k.conference_id,
        k.state.as_str(),
        k.dial,
        k.conference,
        k.mcu,
        clock::to_text(k.created_at)
    ])?;
    Ok(Cascade {
        id: c.last_insert_rowid(),
        ..k.clone()
    })
}

/// Writes every field of `k` (by id).
pub fn save_cascade(c: &Connection, k: &Cascade) -> rusqlite::Result<()> {
    c.prepare_cached(
        "UPDATE cascades SET state = ?2, conference = ?3, mcu = ?4, gateway_call_id = ?5,
             reason = ?6, q931_cause = ?7, h225_reason = ?8, cascaded_at = ?9, ended_at = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        k.id,
        k.state.as_str(),
        k.conference,
        k.mcu,
        k.gateway_call_id,
        k.reason,
        k.q931_cause,
        k.h225_reason,
        k.cascaded_at.map(clock::to_text),
        k.ended_at.map(clock::to_text)
    ])?;
    Ok(())
}

/// The MCU of the cascade carried by gateway call `call_id`, if a cascade of ours is.
pub fn mcu_of_call(c: &Connection, call_id: &str) -> rusqlite::Result<Option<String>> {
    c.prepare_cached("SELECT mcu FROM cascades WHERE gateway_call_id = ?1")?
        .query_row([call_id], |r| r.get(0))
        .optional()
}

/// Ends the cascaded cascade carried by gateway call `call_id`; the cascade if one was ended.
pub fn end_by_call(
    c: &Connection,
    call_id: &str,
    reason: &str,
    q931_cause: Option<u8>,
    h225_reason: Option<&str>,
    now: OffsetDateTime,
) -> rusqlite::Result<Option<Cascade>> {
    let id: Option<i64> = c
        .query_row(
            "UPDATE cascades SET state = 'ended', reason = ?2, q931_cause = ?3, h225_reason = ?4,
                 ended_at = ?5
             WHERE gateway_call_id = ?1 AND state = 'cascaded' RETURNING id",
            params![
                call_id,
                reason,
                q931_cause,
                h225_reason,
                clock::to_text(now)
            ],
            |r| r.get(0),
        )
        .optional()?;
    id.map(|id| cascade(c, id)).transpose().map(Option::flatten)
}

/// Closes cascades a crash left `dialing`.
pub fn close_interrupted(c: &Connection, now: OffsetDateTime) -> rusqlite::Result<usize> {
    c.prepare_cached(
        "UPDATE cascades SET state = 'failed', ended_at = ?1,
             reason = 'the VN server stopped before the gateway answered'
         WHERE state = 'dialing'",
    )?
    .execute([clock::to_text(now)])
}
