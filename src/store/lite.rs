//! The check-in's two statements on SQLite, run on the caller's own thread through rusqlite.
//!
//! sqlx runs every SQLite connection on a worker thread of its own and hands each statement and
//! each row across a channel: on one core every hand-off is a context switch, and the benchmark
//! found that hand-off to be the largest cost of a `/peer checkin` (README, Performance). The
//! check-in's peer lookup and its group-committed write are the only statements on that path,
//! so on SQLite they run here, as plain function calls; every other query stays on sqlx.
//!
//! Both run on one connection, as sqlx's pool has one (one page cache, kept warm). It takes
//! SQLite's write lock with `begin immediate` and **no busy wait**: when an sqlx transaction
//! holds the lock, the call sleeps a millisecond on the runtime and tries again, so it never
//! blocks the thread that transaction needs in order to finish. Every sqlx write transaction
//! takes the lock first too (`begin_write` is `begin immediate`), so none can find its snapshot
//! overtaken by a commit made here. Values are written in the text sqlx writes (`writer::Arg`),
//! so either driver reads what the other wrote.
//!
//! Checkpoints (copying the write-ahead log back into the database file, with an `fsync`) would
//! otherwise run inside a commit every thousand pages, on the runtime's thread: here this
//! connection's automatic checkpoint is off (sqlx's connection keeps its own, on its thread)
//! and a thread of its own checkpoints when the log has grown past [`CHECKPOINT_AT`] bytes
//! (measured: 16,200 → 19,100 check-ins/s on one core, p99 15 → 7 ms). Should commits keep overtaking that thread so the log never starts over, the
//! writer checkpoints itself between two commits once the log passes [`CHECKPOINT_INLINE_AT`].

use super::peers::PeerRow;
use super::writer::{Arg, Write};
use super::{Result, StoreError};
use crate::domain::{Owner, UserId};
use chrono::{NaiveDate, SecondsFormat};
use rusqlite::{Connection, ErrorCode, OpenFlags, params_from_iter, types::Value};
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::time::Duration;

/// The log's length in bytes past which the checkpoint thread is asked to run. SQLite's own
/// default is 1,000 pages (4 MiB at 4 KiB pages); a longer log was faster in every
/// interleaved pair of runs (about a fifth more check-ins per second), since a checkpoint copies a page once however often it
/// was rewritten, and syncs the file once.
const CHECKPOINT_AT: i64 = 32 << 20;
/// The length in bytes past which the writer checkpoints itself (see the module's comment).
const CHECKPOINT_INLINE_AT: i64 = 128 << 20;

thread_local! {
    /// The log's length after the last commit on this thread, set by [`log_length`].
    static LOG_PAGES: Cell<i32> = const { Cell::new(0) };
}

/// SQLite's hook after each commit in WAL mode (it replaces the automatic checkpoint).
fn log_length(_: &rusqlite::hooks::Wal, pages: std::ffi::c_int) -> rusqlite::Result<()> {
    LOG_PAGES.set(pages);
    Ok(())
}

/// How long a write waits for SQLite's lock before it fails (sqlx's connection waits as long).
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// The lookup [`Lite::peer`] runs: `PeerRow`'s columns of one row, by primary key.
const PEER: &str = "select peer_id, reason_enc, cadence, added_on, last_contact_on, snoozed_until \
     from peer where team_id = ?1 and owner_id = ?2 and peer_id = ?3";

/// A direct connection to one SQLite file (`None` once closed).
#[derive(Debug)]
pub(super) struct Lite {
    open: Mutex<Option<Open>>,
    /// [`CHECKPOINT_AT`] and [`CHECKPOINT_INLINE_AT`] in this file's pages.
    checkpoint_at: i32,
    inline_at: i32,
}

#[derive(Debug)]
struct Open {
    conn: Connection,
    /// Wakes the checkpoint thread; it stops when this is dropped.
    checkpoint: SyncSender<()>,
}

impl Lite {
    /// Opens a connection to the (already migrated) database file at `path`, and the thread
    /// that checkpoints it.
    pub(super) fn open(path: PathBuf) -> Result<Lite> {
        let conn = connect(&path)?;
        conn.wal_hook(Some(log_length));
        let page: i64 = conn
            .query_row("pragma page_size", [], |r| r.get(0))
            .map_err(db_error)?;
        let pages = |bytes: i64| i32::try_from(bytes / page.max(512)).unwrap_or(i32::MAX);
        let checkpointer = connect(&path)?;
        // It only copies pages from the log to the file: no page cache worth keeping.
        checkpointer
            .execute_batch("pragma cache_size = -64")
            .map_err(db_error)?;
        let (checkpoint, asked) = sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while asked.recv().is_ok() {
                    if let Err(e) = checkpointer.execute_batch("pragma wal_checkpoint(passive)") {
                        tracing::warn!(error = %e, "checkpoint failed; trying again later");
                    }
                }
            })
            .map_err(|e| StoreError::Corrupt(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Lite {
            open: Mutex::new(Some(Open { conn, checkpoint })),
            checkpoint_at: pages(CHECKPOINT_AT),
            inline_at: pages(CHECKPOINT_INLINE_AT),
        })
    }

    /// Closes the connection and stops the checkpoint thread; later calls fail as a closed
    /// sqlx pool does.
    pub(super) fn close(&self) {
        lock(&self.open).take();
    }

    /// The stored row of `peer` on `owner`'s map, if any.
    pub(super) async fn peer(&self, owner: &Owner, peer: &UserId) -> Result<Option<PeerRow>> {
        self.call(|conn| {
            tracing::debug!(target: "sideways::sql", statement = PEER);
            read_peer(conn, owner, peer)
        })
        .await
    }

    /// Runs `writes` as one transaction (all or nothing).
    pub(super) async fn write(&self, writes: &[&Write]) -> Result<()> {
        let pages = self
            .call(|conn| {
                if !conn.is_autocommit() {
                    // Left open by a call that never finished (a panic): undone, not joined.
                    conn.execute_batch("rollback")?;
                }
                conn.execute_batch("begin immediate")?;
                LOG_PAGES.set(0);
                let result = writes
                    .iter()
                    .try_for_each(|w| run(conn, w))
                    .and_then(|()| conn.execute_batch("commit"));
                if result.is_err() {
                    // Whatever ran before the failure is undone; no transaction is left open.
                    let _ = conn.execute_batch("rollback");
                }
                result.map(|()| LOG_PAGES.get())
            })
            .await?;
        self.after_commit(pages);
        Ok(())
    }

    /// Asks for a checkpoint once the log has grown (see the module's comment).
    fn after_commit(&self, log_pages: i32) {
        if log_pages < self.checkpoint_at {
            return;
        }
        let open = lock(&self.open);
        let Some(open) = open.as_ref() else { return };
        if log_pages >= self.inline_at {
            // Busy (the thread is checkpointing) is fine: the next commit asks again.
            let _ = open.conn.execute_batch("pragma wal_checkpoint(passive)");
        } else {
            let _ = open.checkpoint.try_send(());
        }
    }

    /// Runs `f` on the connection, again after a millisecond's sleep on the runtime while
    /// another connection holds the lock it needs (for at most [`LOCK_WAIT`]).
    async fn call<T>(&self, mut f: impl FnMut(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let give_up = tokio::time::Instant::now() + LOCK_WAIT;
        loop {
            let result = {
                let guard = lock(&self.open);
                f(&guard.as_ref().ok_or_else(closed)?.conn)
            };
            match result {
                Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) => {
                    if tokio::time::Instant::now() >= give_up {
                        return Err(StoreError::Locked);
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                r => return r.map_err(db_error),
            }
        }
    }
}

/// Runs one write's statements (each ending in `;`), handing each its share of the arguments.
fn run(conn: &Connection, write: &Write) -> rusqlite::Result<()> {
    tracing::debug!(target: "sideways::sql", statement = %write.sql);
    let mut args = write.args.iter().map(value);
    for sql in write
        .sql
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let mut statement = conn.prepare_cached(sql)?;
        let n = statement.parameter_count();
        statement.execute(params_from_iter(args.by_ref().take(n)))?;
    }
    Ok(())
}

/// `arg` as sqlx's SQLite driver binds it: times as RFC 3339 text, dates as `YYYY-MM-DD`.
fn value(arg: &Arg) -> Value {
    match arg {
        Arg::Text(v) => v.clone().map_or(Value::Null, Value::Text),
        Arg::Int(v) => Value::Integer(*v),
        Arg::Blob(v) => v.clone().map_or(Value::Null, Value::Blob),
        Arg::Time(t) => Value::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false)),
        Arg::Date(d) => d.map_or(Value::Null, |d| Value::Text(d.format("%F").to_string())),
    }
}

fn read_peer(conn: &Connection, owner: &Owner, peer: &UserId) -> rusqlite::Result<Option<PeerRow>> {
    let mut statement = conn.prepare_cached(PEER)?;
    let mut rows = statement.query((owner.team.as_str(), owner.user.as_str(), peer.as_str()))?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let date = |i: usize| -> rusqlite::Result<Option<NaiveDate>> {
        row.get::<_, Option<String>>(i)?
            .map(|s| {
                NaiveDate::parse_from_str(&s, "%F").map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        i,
                        rusqlite::types::Type::Text,
                        e.into(),
                    )
                })
            })
            .transpose()
    };
    let added_on = date(3)?.ok_or(rusqlite::Error::InvalidColumnType(
        3,
        "added_on".into(),
        rusqlite::types::Type::Null,
    ))?;
    Ok(Some((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        added_on,
        date(4)?,
        date(5)?,
    )))
}

/// A connection with the pragmas sqlx's connection has (`store::open`), but no busy wait.
fn connect(path: &PathBuf) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(db_error)?;
    conn.busy_timeout(Duration::ZERO).map_err(db_error)?;
    conn.execute_batch(
        "pragma journal_mode = wal; pragma synchronous = normal; pragma foreign_keys = on; \
         pragma secure_delete = on;",
    )
    .map_err(db_error)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn closed() -> StoreError {
    StoreError::Db(sqlx::Error::PoolClosed)
}

fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::Db(sqlx::Error::Protocol(format!("sqlite: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::db;
    use chrono::{DateTime, Utc};

    fn profile(user: &str, at: DateTime<Utc>) -> Write {
        Write {
            sql: "insert into user_profile (team_id, user_id, created_at) values (?, ?, ?);".into(),
            args: vec![
                Arg::Text(Some("T1".into())),
                Arg::Text(Some(user.into())),
                Arg::Time(at),
            ],
        }
    }

    /// On a one-thread runtime, a write meeting an sqlx transaction that holds the lock waits
    /// for it without blocking the thread that transaction needs to commit; then it lands.
    #[tokio::test(flavor = "current_thread")]
    async fn a_write_waits_for_an_sqlx_transaction_without_blocking_it() {
        let (_db, store) = crate::store::test_store().await;
        let crate::store::Lookups::Direct(lite) = store.lookups.clone() else {
            return; // Postgres: nothing here runs.
        };
        let at = DateTime::<Utc>::UNIX_EPOCH;
        let mut tx = store.pool().begin_write().await.expect("lock");
        db!(&mut tx, |ex| q::query(
            "insert into user_profile (team_id, user_id, created_at) values ('T1', 'U1', ?)"
        )
        .bind(at)
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))
        .expect("insert");
        let write = tokio::spawn(async move { lite.write(&[&profile("U2", at)]).await });
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        tx.commit().await.expect("commit");
        write
            .await
            .expect("task")
            .expect("the write landed after the commit");
        let rows: Vec<(String, DateTime<Utc>)> = db!(store.pool(), |ex| q::query_as(
            "select user_id, created_at from user_profile order by user_id"
        )
        .fetch_all(ex)
        .await)
        .expect("read");
        assert_eq!(rows, vec![("U1".into(), at), ("U2".into(), at)]);
    }

    /// A write that cannot get the lock within its wait fails as `Locked` (the writer then
    /// fails its whole batch at once rather than waiting again for each). Time is paused, so
    /// the ten seconds pass at once.
    #[tokio::test(flavor = "current_thread")]
    async fn a_write_gives_up_when_the_lock_stays_taken() {
        let (_db, store) = crate::store::test_store().await;
        let crate::store::Lookups::Direct(lite) = store.lookups.clone() else {
            return;
        };
        let tx = store.pool().begin_write().await.expect("lock");
        tokio::time::pause();
        let r = lite.write(&[&profile("U1", Utc::now())]).await;
        tokio::time::resume();
        assert!(matches!(r, Err(StoreError::Locked)), "{r:?}");
        drop(tx);
    }

    /// A failing statement undoes the whole write: nothing half-written.
    #[tokio::test]
    async fn a_failed_write_leaves_nothing_behind() {
        let (_db, store) = crate::store::test_store().await;
        let crate::store::Lookups::Direct(lite) = store.lookups.clone() else {
            return;
        };
        let at = Utc::now();
        let twice = Write {
            sql: format!("{}{}", profile("U1", at).sql, profile("U1", at).sql),
            args: [profile("U1", at).args, profile("U1", at).args].concat(),
        };
        assert!(lite.write(&[&profile("U0", at), &twice]).await.is_err());
        let (n,): (i64,) = db!(store.pool(), |ex| q::query_as(
            "select count(*) from user_profile"
        )
        .fetch_one(ex)
        .await)
        .expect("count");
        assert_eq!(n, 0);
    }

    /// A database only in memory is refused by name: the check-in path opens the file itself.
    #[tokio::test]
    async fn an_in_memory_database_is_refused() {
        let cipher = crate::crypto::Cipher::from_key_text(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        )
        .expect("key");
        let e = crate::store::Store::connect("sqlite::memory:", cipher)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not supported"), "{e}");
    }
}
