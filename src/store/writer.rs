//! The one writer for the hot write path (a check-in): group commit. Requests hand their
//! statements to a single task, which runs everything pending as one transaction and answers
//! each request only after that commit. Under load many check-ins share one commit (on SQLite,
//! through `lite.rs` on the task's own thread; on Postgres, one statement and one round trip).
//! If a batch fails, it is rolled back and each request is run again on its own, so one bad
//! write never fails its neighbours.

use super::lite::Lite;
use super::sql::{Pool, db};
use super::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Where the writer writes.
pub(super) enum Target {
    Sqlite(Arc<Lite>),
    Postgres(Pool),
}

/// Requests joined into one transaction at most.
const MAX_BATCH: usize = 64;

/// One bound value, owned so a request can wait in the queue.
#[derive(Debug, Clone)]
pub(super) enum Arg {
    Text(Option<String>),
    Int(i64),
    Blob(Option<Vec<u8>>),
    Time(DateTime<Utc>),
    Date(Option<NaiveDate>),
}

/// Statements (each ending in `;`) with their arguments in order, written together.
pub(super) struct Write {
    pub sql: String,
    pub args: Vec<Arg>,
}

struct Job {
    write: Write,
    done: oneshot::Sender<Result<()>>,
}

/// The handle requests write through. Cheap to clone.
#[derive(Clone, Debug)]
pub(super) struct Writer {
    queue: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task on `target`; it stops when the last handle is dropped.
    pub(super) fn spawn(target: Target) -> Writer {
        let target = Arc::new(target);
        let queue = super::batch::spawn_batcher(MAX_BATCH, move |batch| {
            let target = target.clone();
            async move { run(&target, batch).await }
        });
        Writer { queue }
    }

    /// Writes `write` in a transaction (shared with whatever else is pending) and returns once
    /// it committed.
    pub(super) async fn write(&self, write: Write) -> Result<()> {
        let (done, answer) = oneshot::channel();
        self.queue
            .send(Job { write, done })
            .await
            .map_err(|_| StoreError::Corrupt("the writer stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Corrupt("the writer stopped".into()))?
    }
}

async fn run(target: &Target, batch: Vec<Job>) {
    if batch.len() > 1 {
        let writes: Vec<&Write> = batch.iter().map(|j| &j.write).collect();
        match execute(target, &writes).await {
            Ok(()) => {
                for j in batch {
                    let _ = j.done.send(Ok(()));
                }
                return;
            }
            // Nothing was wrong with the writes: trying each alone would wait as long again.
            Err(StoreError::Locked) => {
                for j in batch {
                    let _ = j.done.send(Err(StoreError::Locked));
                }
                return;
            }
            Err(_) => {}
        }
    }
    // Alone, or after the batch failed: each on its own, with its own answer.
    for j in batch {
        let r = execute(target, &[&j.write]).await;
        let _ = j.done.send(r);
    }
}

/// Runs the writes as one transaction; rolled back on any failure.
async fn execute(target: &Target, writes: &[&Write]) -> Result<()> {
    match target {
        Target::Sqlite(lite) => lite.write(writes).await,
        Target::Postgres(pool) => super::retrying(|| execute_postgres(pool, writes)).await,
    }
}

/// Postgres: the writes' statements become one statement, each a data-modifying `with` part
/// (`with w0 as (insert … returning 1), w1 as (update … returning 1), … select 1`), so a whole
/// batch is one round trip and one commit. Postgres runs every part to completion and the
/// statement is atomic on its own; batches of more than [`PG_CHUNK`] writes run in chunks
/// (64, 32, … 1: a few statement shapes, each prepared once) inside one transaction. These
/// writes never read before they write, so they need no lock beyond the rows they touch. (Two
/// check-ins of one peer in the same batch both land; the peer row takes one of the two
/// updates, and Postgres does not promise which: either is a state one of the two requests
/// computed, as with two racing requests.)
async fn execute_postgres(pool: &Pool, writes: &[&Write]) -> Result<()> {
    // Grouped by statement text (stable, so two writes of one row keep their order): a batch's
    // combined text then depends only on how many writes of each kind it holds, and the few
    // shapes that occur are prepared once and cached.
    let mut sorted = writes.to_vec();
    sorted.sort_by(|a, b| a.sql.cmp(&b.sql));
    let writes = sorted.as_slice();
    if writes.len() <= PG_CHUNK && writes.len().is_power_of_two() {
        let (sql, args) = combined(writes);
        db!(pool, |ex| bound_to(
            q::query(sqlx::AssertSqlSafe(sql)),
            args
        )
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let mut rest = writes;
    while !rest.is_empty() {
        let n = 1usize << (usize::BITS - 1 - rest.len().leading_zeros()).min(PG_CHUNK.ilog2());
        let (chunk, tail) = rest.split_at(n);
        let (sql, args) = combined(chunk);
        db!(&mut tx, |ex| bound_to(
            q::query(sqlx::AssertSqlSafe(sql)),
            args
        )
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        rest = tail;
    }
    tx.commit().await?;
    Ok(())
}

/// Writes joined into one Postgres statement at most.
const PG_CHUNK: usize = 64;

/// The one statement (and its arguments) described at [`execute_postgres`].
fn combined(writes: &[&Write]) -> (String, Vec<Arg>) {
    let mut parts = Vec::new();
    let mut args = Vec::new();
    for w in writes {
        for statement in w.sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let returning = if statement.contains(" returning ") {
                ""
            } else {
                " returning 1"
            };
            parts.push(format!("w{} as ({statement}{returning})", parts.len()));
        }
        args.extend(w.args.iter().cloned());
    }
    (format!("with {} select 1", parts.join(", ")), args)
}

/// `q` with `args` bound in order, on either backend.
fn bound_to<'q, DB>(
    mut q: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<NaiveDate>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for a in args {
        q = match a {
            Arg::Text(v) => q.bind(v),
            Arg::Int(v) => q.bind(v),
            Arg::Blob(v) => q.bind(v),
            Arg::Time(v) => q.bind(v),
            Arg::Date(v) => q.bind(v),
        };
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Concurrent writes share transactions, each caller hears about its own write only, and a
    /// failing write (here: a duplicate primary key) fails alone while its neighbours commit.
    #[tokio::test]
    async fn a_failing_write_fails_alone_and_the_rest_commit() {
        let (_dir, store) = crate::store::test_store().await;
        let insert = |user: &str| Write {
            sql: "insert into user_profile (team_id, user_id, created_at) values (?, ?, ?);\
                  insert into user_profile (team_id, user_id, created_at) values (?, ?, ?);"
                .into(),
            args: vec![
                Arg::Text(Some("T1".into())),
                Arg::Text(Some(user.into())),
                Arg::Time(Utc::now()),
                Arg::Text(Some("T1".into())),
                Arg::Text(Some(format!("{user}X"))),
                Arg::Time(Utc::now()),
            ],
        };
        let mut tasks = Vec::new();
        for u in ["UA", "UB", "UA", "UC"] {
            let (w, write) = (store.writer.clone(), insert(u));
            tasks.push(tokio::spawn(async move { w.write(write).await }));
        }
        let results: Vec<bool> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(|r| r.unwrap().is_ok())
            .collect();
        assert_eq!(results.iter().filter(|ok| !**ok).count(), 1, "{results:?}");
        let (n,): (i64,) = db!(store.pool(), |ex| q::query_as(
            "select count(*) from user_profile"
        )
        .fetch_one(ex)
        .await)
        .unwrap();
        assert_eq!(
            n, 6,
            "both statements of each successful write, none of the failed one"
        );
    }
}
