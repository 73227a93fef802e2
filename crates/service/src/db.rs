//! SQLite for the servers' records: one file per server, WAL journal, foreign keys on, schema
//! migrations recorded in a `schema_version` table.
//!
//! The migration runner is hand-written (≈40 lines) rather than taken from a crate because the
//! crates for it track the `user_version` header field, while we want a table an operator can read
//! (`SELECT * FROM schema_version`) that says which migration ran when; and each server has only a
//! handful of migrations.
//!
//! rusqlite is blocking, so [`Db::call`] runs each closure on tokio's blocking pool behind a mutex:
//! one writer at a time, which is what SQLite allows anyway.
//!
//! [`Db::write`] is for the writes of every call (a gateway call record is written three times):
//! writes that arrive while one is being committed wait and are committed together, in one
//! transaction with a savepoint each (group commit). A batch costs one trip to the blocking pool
//! and one WAL commit, and consecutive records share the pages they touch; each write still
//! succeeds or fails alone, and its caller hears only after the commit.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::oneshot;

/// One step of a server's schema. Versions start at 1 and increase by one.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Schema version this step produces.
    pub version: u32,
    /// What it does, stored in `schema_version`.
    pub description: &'static str,
    /// SQL run in one transaction.
    pub sql: &'static str,
}

/// Why the database could not be opened or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    CreateDir {
        /// Directory.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// SQLite refused an operation.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer cascade whose schema this one does not know.
    #[error("database schema version {found} is newer than this program's {known}")]
    NewerSchema {
        /// Version in the file.
        found: u32,
        /// Highest version this program knows.
        known: u32,
    },
    /// The migrations given to [`Db::open`] are not numbered 1, 2, 3, ...
    #[error("migration list is not numbered 1..=n (entry {index} has version {version})")]
    BadMigrationList {
        /// Position in the list.
        index: usize,
        /// Version found there.
        version: u32,
    },
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// Another user of the connection panicked while holding it.
    #[error("database connection poisoned by an earlier panic")]
    Poisoned,
    /// A write's closure panicked; its changes were rolled back.
    #[error("database write panicked; its changes were rolled back")]
    WritePanicked,
    /// The write was queued but never committed: the runtime is shutting down and did not run
    /// the committing task.
    #[error("database write not committed: the server is stopping")]
    NotCommitted,
}

/// A shared SQLite connection.
#[derive(Debug, Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
    writes: Arc<Mutex<Writes>>,
}

/// A queued write: runs in the batch's transaction (or is told why there is none) and returns
/// what to tell its caller once the commit's outcome is known.
type Job = Box<dyn FnOnce(Result<&Connection, DbError>) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), DbError>) + Send>;

/// Writes waiting for the next batch, and whether a batch is being committed.
#[derive(Default)]
struct Writes {
    queued: Vec<Job>,
    committing: bool,
}

impl std::fmt::Debug for Writes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writes")
            .field("queued", &self.queued.len())
            .field("committing", &self.committing)
            .finish()
    }
}

impl Db {
    /// Opens (creating if needed) `path`, whose parent directory is created too, and brings its
    /// schema up to date with `migrations`.
    pub fn open(path: &Path, migrations: &[Migration]) -> Result<Self, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut conn = Connection::open(path)?;
        // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes
        // (only an OS crash can lose the last commits), which is what call records need.
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "SQLite refused WAL journal mode");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The stores prepare their statements through this cache (parsing SQL was ~5 % of a
        // gateway call's CPU); room for every statement of the largest store.
        conn.set_prepared_statement_cache_capacity(64);
        migrate(&mut conn, migrations)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            path: path.to_path_buf(),
            writes: Arc::default(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn call<F, R>(&self, f: F) -> Result<R, DbError>
    where
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| DbError::Poisoned)?;
            f(&mut guard).map_err(DbError::from)
        })
        .await?
    }

    /// Runs the write `f` in the next group commit (module doc) and returns its result once it
    /// is committed. `f` runs inside a transaction, so it must not begin one itself (it may use
    /// savepoints); if it fails or panics, its changes alone are rolled back.
    pub async fn write<F, R>(&self, f: F) -> Result<R, DbError>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
        R: Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |c: Result<&Connection, DbError>| {
            let outcome = c.and_then(|c| in_savepoint(c, f));
            Box::new(move |commit: Result<(), DbError>| {
                let _ = tx.send(outcome.and_then(|v| commit.map(|()| v)));
            })
        });
        let start = {
            let mut w = self.writes.lock().unwrap_or_else(|e| e.into_inner());
            w.queued.push(job);
            !std::mem::replace(&mut w.committing, true)
        };
        if start {
            let (conn, writes) = (Arc::clone(&self.conn), Arc::clone(&self.writes));
            tokio::task::spawn_blocking(move || commit_batches(&conn, &writes));
        }
        // Every queued job is answered once run; it is dropped unanswered only if the runtime
        // would not start the committing task (shutdown).
        rx.await.unwrap_or(Err(DbError::NotCommitted))
    }

    /// The schema version recorded in the file.
    pub async fn schema_version(&self) -> Result<u32, DbError> {
        self.call(|c| current_version(c)).await
    }
}

/// Commits queued writes, a batch at a time, until the queue is empty.
fn commit_batches(conn: &Mutex<Connection>, writes: &Mutex<Writes>) {
    loop {
        let batch = {
            let mut w = writes.lock().unwrap_or_else(|e| e.into_inner());
            if w.queued.is_empty() {
                w.committing = false;
                return;
            }
            std::mem::take(&mut w.queued)
        };
        let Ok(c) = conn.lock() else {
            for job in batch {
                job(Err(DbError::Poisoned))(Ok(()));
            }
            continue;
        };
        let begin = c
            .prepare_cached("BEGIN IMMEDIATE")
            .and_then(|mut s| s.execute([]));
        let replies: Vec<(Reply, Result<(), DbError>)> = match begin {
            Ok(_) => {
                let replies: Vec<Reply> = batch.into_iter().map(|job| job(Ok(&c))).collect();
                match c.prepare_cached("COMMIT").and_then(|mut s| s.execute([])) {
                    Ok(_) => replies.into_iter().map(|r| (r, Ok(()))).collect(),
                    Err(e) => {
                        let _ = c.execute_batch("ROLLBACK");
                        let msg = e.to_string();
                        replies
                            .into_iter()
                            .map(|r| (r, Err(commit_error(&msg))))
                            .collect()
                    }
                }
            }
            Err(e) => {
                let msg = e.to_string();
                batch
                    .into_iter()
                    .map(|job| (job(Err(commit_error(&msg))), Ok(())))
                    .collect()
            }
        };
        drop(c);
        for (reply, outcome) in replies {
            reply(outcome);
        }
    }
}

fn commit_error(msg: &str) -> DbError {
    DbError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some(format!("write batch not committed: {msg}")),
    ))
}

/// Runs `f` in a savepoint of the batch's transaction, rolling back to it if `f` fails or panics.
fn in_savepoint<F, R>(c: &Connection, f: F) -> Result<R, DbError>
where
    F: FnOnce(&Connection) -> rusqlite::Result<R>,
{
    c.prepare_cached("SAVEPOINT write")?.execute([])?;
    let outcome = match catch_unwind(AssertUnwindSafe(|| f(c))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(DbError::from(e)),
        Err(_) => Err(DbError::WritePanicked),
    };
    if outcome.is_err() {
        c.prepare_cached("ROLLBACK TO write")?.execute([])?;
    }
    c.prepare_cached("RELEASE write")?.execute([])?;
    outcome
}

fn current_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )
}

fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<(), DbError> {
    for (index, m) in migrations.iter().enumerate() {
        if m.version as usize != index + 1 {
            return Err(DbError::BadMigrationList {
                index,
                version: m.version,
            });
        }
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
             version     INTEGER PRIMARY KEY,
             description TEXT NOT NULL,
             applied_at  TEXT NOT NULL
         );",
    )?;
    let found = current_version(conn)?;
    let known = migrations.len() as u32;
    if found > known {
        return Err(DbError::NewerSchema { found, known });
    }
    for m in &migrations[found as usize..] {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_version (version, description, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![
                m.version,
                m.description,
                crate::clock::to_text(crate::clock::now())
            ],
        )?;
        tx.commit()?;
        tracing::info!(
            version = m.version,
            description = m.description,
            "schema migrated"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: Migration = Migration {
        version: 1,
        description: "notes",
        sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
    };
    const V2: Migration = Migration {
        version: 2,
        description: "notes.author",
        sql: "ALTER TABLE notes ADD COLUMN author TEXT;",
    };

    #[tokio::test]
    async fn migrations_run_once_and_data_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/x.sqlite");
        let db = Db::open(&path, &[V1]).unwrap();
        db.call(|c| c.execute("INSERT INTO notes (text) VALUES ('kept')", []))
            .await
            .unwrap();
        assert_eq!(db.schema_version().await.unwrap(), 1);
        drop(db);

        let db = Db::open(&path, &[V1, V2]).unwrap();
        assert_eq!(db.schema_version().await.unwrap(), 2);
        let (text, author): (String, Option<String>) = db
            .call(|c| {
                c.query_row("SELECT text, author FROM notes", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
            })
            .await
            .unwrap();
        assert_eq!((text.as_str(), author), ("kept", None));
        let mode: String = db
            .call(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        drop(db);

        let err = Db::open(&path, &[V1]).unwrap_err();
        assert!(
            matches!(err, DbError::NewerSchema { found: 2, known: 1 }),
            "{err}"
        );
    }

    #[test]
    fn misnumbered_migrations_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = Db::open(&dir.path().join("x.sqlite"), &[V2]).unwrap_err();
        assert!(matches!(
            err,
            DbError::BadMigrationList {
                index: 0,
                version: 2
            }
        ));
    }

    #[tokio::test]
    async fn a_failing_migration_leaves_the_old_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        drop(Db::open(&path, &[V1]).unwrap());
        let bad = Migration {
            version: 2,
            description: "broken",
            sql: "ALTER TABLE missing ADD COLUMN y TEXT;",
        };
        assert!(Db::open(&path, &[V1, bad]).is_err());
        assert_eq!(
            Db::open(&path, &[V1, V2])
                .unwrap()
                .schema_version()
                .await
                .unwrap(),
            2
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_commit_together_and_fail_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite");
        let db = Db::open(&path, &[V1]).unwrap();
        let mut tasks = Vec::new();
        for i in 0..200i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(move |c| {
                    c.execute("INSERT INTO notes (id, text) VALUES (?1, 'ok')", [i])?;
                    match i % 50 {
                        // Fails after its first statement: that insert must be undone too.
                        7 => c
                            .execute("INSERT INTO notes (id, text) VALUES (?1, NULL)", [i + 1000])
                            .map(|_| i),
                        13 => panic!("write {i} panics"),
                        _ => Ok(i),
                    }
                })
                .await
            }));
        }
        let mut ok = 0;
        for (i, t) in tasks.into_iter().enumerate() {
            match (i % 50, t.await.unwrap()) {
                (7, Err(DbError::Sqlite(_))) | (13, Err(DbError::WritePanicked)) => {}
                (_, Ok(v)) => {
                    assert_eq!(v, i as i64);
                    ok += 1;
                }
                (_, other) => panic!("write {i}: {other:?}"),
            }
        }
        assert_eq!(ok, 192);
        // Committed, as another connection sees: every good row, nothing of the failed ones.
        let other = Connection::open(&path).unwrap();
        let (n, bad): (i64, i64) = other
            .query_row(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE id % 50 IN (7, 13) OR id >= 1000) FROM notes",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((n, bad), (192, 0));
        // The writer goes on after the panic.
        db.write(|c| c.execute("INSERT INTO notes (text) VALUES ('after')", []))
            .await
            .unwrap();
    }
}
