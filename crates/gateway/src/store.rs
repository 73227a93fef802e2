//! Call detail records in SQLite (`gateway.sqlite`, table `calls`): one row per call attempt that
//! passed the dial plan, written when dialing starts and updated at answer and at release, so a
//! restarted gateway still answers `GET /v1/calls/{id}` for ended calls.
//!
//! Call ids are version 7 UUIDs (RFC 9562 §5.7): a millisecond timestamp then random bits, and
//! increasing within the process. The primary key's index therefore grows at its right edge, as
//! the table does: a batch of inserts dirties one or two of its pages, and a file of millions of
//! records does not need a random page of its index read for every new call, as random
//! (version 4) ids did once the index outgrew SQLite's page cache.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use service::clock;
use service::db::Migration;
use service::release::ReleaseReason;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::dialer::Initiator;
use crate::media::{MediaAddresses, MediaStats};

/// Schema of `gateway.sqlite`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "call detail records",
        sql: "CREATE TABLE calls (
              id           TEXT PRIMARY KEY,
              state        TEXT NOT NULL,
              dial         TEXT NOT NULL,
              display      TEXT NOT NULL,
              conference   TEXT NOT NULL,
              mcu          TEXT NOT NULL,
              result       TEXT,
              q931_cause   INTEGER,
              h225_reason  TEXT,
              released_by  TEXT,
              detail       TEXT,
              started_at   TEXT NOT NULL,
              connected_at TEXT,
              ended_at     TEXT
          );
          CREATE INDEX calls_started_at ON calls (started_at);
          CREATE INDEX calls_state ON calls (state);",
    },
    Migration {
        version: 2,
        description: "media addresses and final media statistics (JSON)",
        sql: "ALTER TABLE calls ADD COLUMN media TEXT;
              ALTER TABLE calls ADD COLUMN media_stats TEXT;",
    },
    Migration {
        version: 3,
        description: "fewer indexes to write per call: newest first by rowid, live calls by state",
        // Every call's record is written three times; each index is pages to rewrite at each
        // commit. Rows are inserted as calls start, so rowid order is start order; and only
        // live calls (dialing, connected) are looked up by state, with one partial index per
        // state because SQLite uses a partial index only when the query repeats its condition.
        sql: "DROP INDEX calls_started_at;
              DROP INDEX calls_state;
              CREATE INDEX calls_dialing ON calls (state) WHERE state = 'dialing';
              CREATE INDEX calls_connected ON calls (state) WHERE state = 'connected';",
    },
];

/// 64 bits drawn from call id `id` to seed a call's numbers (H.323 identifiers, RTP SSRCs). The
/// id is a version 7 UUID: folding its halves keeps the 62 random bits of its low half, whatever
/// its timestamp.
pub fn id_seed(id: Uuid) -> u64 {
    let id = id.as_u128();
    (id as u64) ^ ((id >> 64) as u64)
}

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Setup sent, no answer yet.
    Dialing,
    /// Connect received: the cascade is up.
    Connected,
    /// Never connected.
    Failed,
    /// Was connected, now released.
    Released,
}

/// Outcome of the attempt (the CDR's "result").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallResult {
    /// The MCU answered.
    Answered,
    /// The MCU refused (ReleaseComplete before Connect).
    Rejected,
    /// No connection to the MCU.
    Unreachable,
    /// The gateway lacked the resources for the call (descriptors, RTP ports).
    NoResources,
    /// No answer within the call timeout.
    Timeout,
    /// Signalling failed.
    Error,
    /// The gateway stopped while dialing.
    Cancelled,
}

/// One call detail record, as stored and as served by the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CallRecord {
    /// Call id: a version 7 UUID (module doc).
    pub id: Uuid,
    /// Current state.
    pub state: CallState,
    /// Dial string as requested.
    pub dial: String,
    /// Caller display name / h323-ID sent.
    pub display: String,
    /// Conference number on the MCU (prefix stripped).
    pub conference: String,
    /// MCU `host:port`.
    pub mcu: String,
    /// Outcome, once known.
    pub result: Option<CallResult>,
    /// Q.850 cause of the release or refusal.
    pub q931_cause: Option<u8>,
    /// H.225.0 ReleaseCompleteReason of the release or refusal.
    pub h225_reason: Option<ReleaseReason>,
    /// Who released a connected call.
    pub released_by: Option<Initiator>,
    /// Words for an operator when something went wrong.
    pub detail: Option<String>,
    /// When dialing started.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub started_at: OffsetDateTime,
    /// When the MCU answered.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub connected_at: Option<OffsetDateTime>,
    /// When the call ended.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<OffsetDateTime>,
    /// The gateway's VN-side receive addresses for this call's media (calls with a media relay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaAddresses>,
    /// RFC 3550 statistics of the relayed media per direction: live while the call is up, final
    /// once it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_stats: Option<MediaStats>,
}

fn json<T: Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

fn from_json<T: for<'de> Deserialize<'de>>(s: Option<String>) -> rusqlite::Result<Option<T>> {
    s.map(|s| {
        serde_json::from_str(&s).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

fn text<T: Serialize>(v: &T) -> String {
    // Our enums serialize to plain JSON strings.
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse<T: for<'de> Deserialize<'de>>(s: Option<String>) -> rusqlite::Result<Option<T>> {
    s.map(|s| {
        serde_json::from_value(serde_json::Value::String(s)).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<CallRecord> {
    let id: String = row.get("id")?;
    Ok(CallRecord {
        id: Uuid::parse_str(&id).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?,
        state: parse(Some(row.get("state")?))?.unwrap_or(CallState::Failed),
        dial: row.get("dial")?,
        display: row.get("display")?,
        conference: row.get("conference")?,
        mcu: row.get("mcu")?,
        result: parse(row.get("result")?)?,
        q931_cause: row.get("q931_cause")?,
        h225_reason: parse(row.get("h225_reason")?)?,
        released_by: parse(row.get("released_by")?)?,
        detail: row.get("detail")?,
        started_at: clock::from_sql(&row.get::<_, String>("started_at")?)?,
        connected_at: clock::from_sql_opt(row.get("connected_at")?)?,
        ended_at: clock::from_sql_opt(row.get("ended_at")?)?,
        media: from_json(row.get("media")?)?,
        media_stats: from_json(row.get("media_stats")?)?,
    })
}

/// Inserts the record with `r.id`, or updates it in place. An upsert rather than `INSERT OR
/// REPLACE`: a replace deletes and re-inserts the row and so rewrites every index, where a call's
/// later saves only change its state, outcome and times.
pub fn save(c: &Connection, r: &CallRecord) -> rusqlite::Result<()> {
    c.prepare_cached(
        "INSERT INTO calls (id, state, dial, display, conference, mcu, result,
             q931_cause, h225_reason, released_by, detail, started_at, connected_at, ended_at,
             media, media_stats)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, dial = excluded.dial,
             display = excluded.display, conference = excluded.conference, mcu = excluded.mcu,
             result = excluded.result, q931_cause = excluded.q931_cause,
             h225_reason = excluded.h225_reason, released_by = excluded.released_by,
             detail = excluded.detail, started_at = excluded.started_at,
             connected_at = excluded.connected_at, ended_at = excluded.ended_at,
             media = excluded.media, media_stats = excluded.media_stats",
    )?
    .execute(params![
        r.id.to_string(),
        text(&r.state),
        r.dial,
        r.display,
        r.conference,
        r.mcu,
        r.result.as_ref().map(text),
        r.q931_cause,
        r.h225_reason.as_ref().map(text),
        r.released_by.as_ref().map(text),
        r.detail,
        clock::to_text(r.started_at),
        r.connected_at.map(clock::to_text),
        r.ended_at.map(clock::to_text),
        json(&r.media),
        json(&r.media_stats),
    ])?;
    Ok(())
}

/// The record with `id`.
pub fn get(c: &Connection, id: Uuid) -> rusqlite::Result<Option<CallRecord>> {
    c.prepare_cached("SELECT * FROM calls WHERE id = ?1")?
        .query_row([id.to_string()], from_row)
        .optional()
}

/// Newest first (in the order the calls started), optionally only in `state`.
pub fn list(
    c: &Connection,
    state: Option<CallState>,
    limit: u32,
) -> rusqlite::Result<Vec<CallRecord>> {
    // The live states name their value literally, so that SQLite can use their partial indexes;
    // the others are bound.
    let (sql, bound) = match state {
        None => ("SELECT * FROM calls ORDER BY rowid DESC LIMIT ?1", None),
        Some(CallState::Dialing) => (
            "SELECT * FROM calls WHERE state = 'dialing' ORDER BY rowid DESC LIMIT ?1",
            None,
        ),
        Some(CallState::Connected) => (
            "SELECT * FROM calls WHERE state = 'connected' ORDER BY rowid DESC LIMIT ?1",
            None,
        ),
        Some(s) => (
            "SELECT * FROM calls WHERE state = ?2 ORDER BY rowid DESC LIMIT ?1",
            Some(text(&s)),
        ),
    };
    let mut stmt = c.prepare_cached(sql)?;
    let rows = match bound {
        Some(state) => stmt.query_map(params![limit, state], from_row)?,
        None => stmt.query_map(params![limit], from_row)?,
    };
    rows.collect()
}

/// Closes the records of calls that were up when the gateway last stopped without releasing
/// them (crash, kill -9): their TCP connections are gone with the process.
pub fn close_interrupted(c: &Connection, now: OffsetDateTime) -> rusqlite::Result<usize> {
    let now = clock::to_text(now);
    let failed = c
        .prepare_cached(
            "UPDATE calls SET state = 'failed', result = 'cancelled', ended_at = ?1,
             detail = 'the gateway stopped while dialing'
         WHERE state = 'dialing'",
        )?
        .execute([&now])?;
    let released = c
        .prepare_cached(
            "UPDATE calls SET state = 'released', released_by = 'gateway', ended_at = ?1,
             detail = 'the gateway stopped without releasing the call'
         WHERE state = 'connected'",
        )?
        .execute([&now])?;
    Ok(failed + released)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> CallRecord {
        CallRecord {
            id: Uuid::new_v4(),
            state: CallState::Connected,
            dial: "801234@127.0.0.1".into(),
            display: "VN 1".into(),
            conference: "1234".into(),
            mcu: "127.0.0.1:1720".into(),
            result: Some(CallResult::Answered),
            q931_cause: None,
            h225_reason: Some(ReleaseReason::CalledPartyNotRegistered),
            released_by: None,
            detail: None,
            started_at: clock::now(),
            connected_at: Some(clock::now()),
            ended_at: None,
            media: None,
            media_stats: Some(crate::media::MediaStats::default()),
        }
    }

    /// A fresh database in a temporary directory (kept alive by the first value), and a runtime
    /// to drive it.
    fn open() -> (tempfile::TempDir, service::db::Db, tokio::runtime::Runtime) {
        let dir = tempfile::tempdir().unwrap();
        let db = service::db::Db::open(&dir.path().join("g.sqlite"), MIGRATIONS).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        (dir, db, rt)
    }

    #[test]
    fn save_get_list_and_close_interrupted() {
        let (_dir, db, rt) = open();
        rt.block_on(async {
            let r = record();
            let r2 = r.clone();
            let got = db
                .call(move |c| {
                    save(c, &r2)?;
                    get(c, r2.id)
                })
                .await
                .unwrap();
            assert_eq!(got.as_ref(), Some(&r));
            let n = db
                .call(|c| close_interrupted(c, clock::now()))
                .await
                .unwrap();
            assert_eq!(n, 1);
            let all = db
                .call(|c| list(c, Some(CallState::Released), 10))
                .await
                .unwrap();
            assert_eq!(all.len(), 1);
            assert_eq!(all[0].released_by, Some(Initiator::Gateway));
            assert!(db
                .call(|c| list(c, Some(CallState::Connected), 10))
                .await
                .unwrap()
                .is_empty());
        });
    }

    #[test]
    fn list_is_newest_first_by_state_and_live_states_use_their_index() {
        let (_dir, db, rt) = open();
        rt.block_on(async {
            let states = [
                CallState::Released,
                CallState::Dialing,
                CallState::Failed,
                CallState::Connected,
                CallState::Released,
            ];
            let mut ids = Vec::new();
            for state in states {
                let mut r = record();
                r.id = Uuid::new_v4();
                r.state = state;
                ids.push(r.id);
                db.write(move |c| save(c, &r)).await.unwrap();
            }
            // A later save of an older call does not move it.
            let mut first = db
                .call({
                    let id = ids[0];
                    move |c| get(c, id)
                })
                .await
                .unwrap()
                .unwrap();
            first.detail = Some("updated".into());
            db.write(move |c| save(c, &first)).await.unwrap();

            let all = db.call(|c| list(c, None, 10)).await.unwrap();
            let got: Vec<Uuid> = all.iter().map(|r| r.id).collect();
            let newest_first: Vec<Uuid> = ids.iter().rev().copied().collect();
            assert_eq!(got, newest_first);
            for (state, want) in [
                (CallState::Released, vec![ids[4], ids[0]]),
                (CallState::Dialing, vec![ids[1]]),
                (CallState::Failed, vec![ids[2]]),
                (CallState::Connected, vec![ids[3]]),
            ] {
                let got: Vec<Uuid> = db
                    .call(move |c| list(c, Some(state), 10))
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.id)
                    .collect();
                assert_eq!(got, want, "{state:?}");
            }
            assert_eq!(db.call(|c| list(c, None, 2)).await.unwrap().len(), 2);
            for (state, index) in [
                ("dialing", "calls_dialing"),
                ("connected", "calls_connected"),
            ] {
                let plan: String = db
                    .call(move |c| {
                        c.query_row(
                            &format!(
                                "EXPLAIN QUERY PLAN SELECT * FROM calls WHERE state = '{state}'
                                 ORDER BY rowid DESC LIMIT 5"
                            ),
                            [],
                            |r| r.get::<_, String>(3),
                        )
                    })
                    .await
                    .unwrap();
                assert!(plan.contains(index), "{state}: {plan}");
            }
        });
    }
}
