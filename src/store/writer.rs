//! The one writer for the hot write path (a check-in): group commit. Requests hand their
//! statements to a single task, which runs everything pending as one transaction in one call to
//! the database (`begin immediate; …; commit;`) and answers each request only after that commit.
//! Under load many check-ins share one commit and one round trip to SQLite's worker thread;
//! alone, a check-in still costs one. If a batch fails, it is rolled back and each request is
//! run again on its own, so one bad write never fails its neighbours.

use super::sql::{Backend, Pool, db};
use super::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

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
    /// Starts the writer task on `pool`; it stops when the last handle is dropped.
    pub(super) fn spawn(pool: Pool) -> Writer {
        let queue = super::batch::spawn_batcher(MAX_BATCH, move |batch| {
            let pool = pool.clone();
            async move { run(&pool, batch).await }
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

async fn run(pool: &Pool, batch: Vec<Job>) {
    if batch.len() > 1 {
        let writes: Vec<&Write> = batch.iter().map(|j| &j.write).collect();
        if execute(pool, &writes).await.is_ok() {
            for j in batch {
                let _ = j.done.send(Ok(()));
            }
            return;
        }
    }
    // Alone, or after the batch failed: each on its own, with its own answer.
    for j in batch {
        let r = execute(pool, &[&j.write]).await;
        let _ = j.done.send(r);
    }
}

/// Runs the writes as one transaction; rolled back on any failure.
async fn execute(pool: &Pool, writes: &[&Write]) -> Result<()> {
    match pool {
        Backend::Sqlite(p) => execute_sqlite(p, writes).await,
        Backend::Postgres(_) => execute_each(pool, writes).await,
    }
}

/// Postgres prepares one statement at a time: each statement of each write is run on its own,
/// with its share of the arguments, in one transaction. These writes never read before they
/// write, so they need no lock beyond the rows they touch.
async fn execute_each(pool: &Pool, writes: &[&Write]) -> Result<()> {
    let mut tx = pool.begin().await?;
    for w in writes {
        let mut args = w.args.iter();
        for statement in w.sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let n = statement.matches('?').count();
            let mine: Vec<Arg> = args.by_ref().take(n).cloned().collect();
            let sql = statement.to_string();
            db!(&mut tx, |ex| {
                let mut q = q::query(sqlx::AssertSqlSafe(sql));
                for a in mine {
                    q = match a {
                        Arg::Text(v) => q.bind(v),
                        Arg::Int(v) => q.bind(v),
                        Arg::Blob(v) => q.bind(v),
                        Arg::Time(v) => q.bind(v),
                        Arg::Date(v) => q.bind(v),
                    };
                }
                q.execute(ex).await.map(|r| r.rows_affected())
            })?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// SQLite: a single write is one call (`begin immediate; …; commit;`); a batch is `begin`, its
/// writes in chunks of 32, 16, … 1 (so only a few statement shapes are ever prepared and
/// cached), then `commit`.
async fn execute_sqlite(pool: &SqlitePool, writes: &[&Write]) -> Result<()> {
    let mut conn = pool.acquire().await?;
    let result = if let [one] = writes {
        let sql = format!("begin immediate;{}commit;", one.sql);
        bound(&sql, &one.args).execute(&mut *conn).await.map(|_| ())
    } else {
        async {
            sqlx::raw_sql("begin immediate").execute(&mut *conn).await?;
            let mut rest = writes;
            while !rest.is_empty() {
                let n = 1usize << (usize::BITS - 1 - rest.len().leading_zeros()).min(5);
                let (chunk, tail) = rest.split_at(n);
                let sql: String = chunk.iter().map(|w| w.sql.as_str()).collect();
                let args: Vec<Arg> = chunk.iter().flat_map(|w| w.args.iter().cloned()).collect();
                bound(&sql, &args).execute(&mut *conn).await?;
                rest = tail;
            }
            sqlx::raw_sql("commit")
                .execute(&mut *conn)
                .await
                .map(|_| ())
        }
        .await
    };
    if result.is_err() {
        // Whatever ran before the failure is undone; no transaction is left open.
        let _ = sqlx::raw_sql("rollback").execute(&mut *conn).await;
    }
    result.map_err(Into::into)
}

fn bound(
    sql: &str,
    args: &[Arg],
) -> sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for a in args {
        q = match a.clone() {
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
