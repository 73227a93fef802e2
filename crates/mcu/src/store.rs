//! Rooms in SQLite (`mcu.sqlite`, table `rooms`), so rooms made through the API survive a
//! restart. Rooms from the configuration file are seeded only when absent: once a room exists,
//! the database (and so the API) is its source of truth.

use rusqlite::{params, Connection, OptionalExtension, Row};
use service::clock;
use service::db::Migration;

use crate::room::{LayoutChoice, Room};

/// Schema of `mcu.sqlite`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        description: "rooms",
        sql: "CREATE TABLE rooms (
              number           TEXT PRIMARY KEY,
              name             TEXT NOT NULL,
              max_participants INTEGER NOT NULL,
              locked           INTEGER NOT NULL,
              pin              TEXT,
              created_at       TEXT NOT NULL
          );",
    },
    Migration {
        version: 2,
        description: "room layout",
        sql: "ALTER TABLE rooms ADD COLUMN layout TEXT NOT NULL DEFAULT 'auto';",
    },
];

fn from_row(row: &Row<'_>) -> rusqlite::Result<Room> {
    Ok(Room {
        number: row.get("number")?,
        name: row.get("name")?,
        max_participants: row.get("max_participants")?,
        locked: row.get("locked")?,
        pin: row.get("pin")?,
        // A value this program does not know (written by a newer one) falls back to auto.
        layout: LayoutChoice::parse(&row.get::<_, String>("layout")?).unwrap_or_default(),
        created_at: clock::from_sql(&row.get::<_, String>("created_at")?)?,
    })
}

/// All rooms, by number.
pub fn list(c: &Connection) -> rusqlite::Result<Vec<Room>> {
    let mut stmt = c.prepare_cached("SELECT * FROM rooms ORDER BY number")?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// One room.
pub fn get(c: &Connection, number: &str) -> rusqlite::Result<Option<Room>> {
    c.prepare_cached("SELECT * FROM rooms WHERE number = ?1")?
        .query_row([number], from_row)
        .optional()
}

/// Inserts `room`; false if its number is taken.
pub fn insert(c: &Connection, room: &Room) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "INSERT OR IGNORE INTO rooms (number, name, max_participants, locked, pin, created_at,
                 layout)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            room.number,
            room.name,
            room.max_participants,
            room.locked,
            room.pin,
            clock::to_text(room.created_at),
            room.layout.as_str()
        ])?;
    Ok(n == 1)
}

/// Writes `room`'s changeable fields; false if it does not exist.
pub fn update(c: &Connection, room: &Room) -> rusqlite::Result<bool> {
    let n = c
        .prepare_cached(
            "UPDATE rooms SET name = ?2, max_participants = ?3, locked = ?4, pin = ?5, layout = ?6
         WHERE number = ?1",
        )?
        .execute(params![
            room.number,
            room.name,
            room.max_participants,
            room.locked,
            room.pin,
            room.layout.as_str()
        ])?;
    Ok(n == 1)
}

/// Deletes a room; false if it did not exist.
pub fn delete(c: &Connection, number: &str) -> rusqlite::Result<bool> {
    Ok(c.prepare_cached("DELETE FROM rooms WHERE number = ?1")?
        .execute([number])?
        == 1)
}
