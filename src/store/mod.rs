//! Every SQL statement in Sideways lives under this module, named after the question it answers.
//!
//! Functions take domain values and return domain values; private text is sealed with the
//! configured [`Cipher`] on the way in and opened on the way out, so nothing above this layer
//! sees ciphertext and nothing below it sees plain text. Every query is scoped by `team_id`, and
//! private rows by owner. The SQL avoids SQLite-only constructs where a portable form exists.

mod batch;
mod cheap;
mod deliveries;
mod departed;
mod due;
mod escalations;
mod gather;
mod headsups;
mod installations;
mod lite;
mod loader;
mod meetings;
mod memory;
mod peers;
mod privacy;
mod profiles;
mod review;
pub mod scratch;
pub(crate) mod sql;
mod together;
mod trades;
mod writer;

pub use deliveries::{ClaimedDelivery, DeliveryClaim, SentMessage};
pub use due::DueBatch;
pub use escalations::{Approved, EscalationEdit};
pub use gather::PrepInputs;
pub use headsups::{HeadsupUpdate, ToldAnswer};
pub use installations::NewInstall;
pub use meetings::NewMeeting;
pub use memory::OfferClosed;
pub use privacy::{Confirmed, Deleted, ForgetTarget, OWNED, Owned};
pub use profiles::{Profile, TzSource};
pub use together::{NewTogether, NextPeriod, Side, TogetherDue};
pub use trades::NewTrade;

use crate::crypto::Cipher;
use chrono::{DateTime, SubsecRound, Utc};
use sql::{Backend, Pool, Tx, db};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// What the store can fail with. Corrupt rows (undecryptable text, unknown enum values) are
/// reported instead of being silently skipped.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database {0} is unreachable: {1}")]
    Unreachable(String, String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// Another connection held SQLite's write lock for longer than a write waits.
    #[error("the database stayed locked by another writer")]
    Locked,
    #[error(
        "DATABASE_URL {0} is not supported: use sqlite://<file> (created if missing) or postgres://…"
    )]
    Unsupported(String),
}

/// `url` with any password (in the authority or a `password=` parameter) replaced by `***`, so
/// a database URL can be named in an error or a log without its credentials.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let end = out[start..]
            .find(['/', '?', '#'])
            .map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    let lower = out.to_ascii_lowercase();
    if let Some(p) = lower.find("password=").map(|i| i + "password=".len()) {
        let end = out[p..].find('&').map_or(out.len(), |i| p + i);
        out.replace_range(p..end, "***");
    }
    out
}

impl From<crate::crypto::CryptoError> for StoreError {
    fn from(e: crate::crypto::CryptoError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The database plus the key for private text.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
    cipher: Cipher,
    /// Group commit for the hot write path (see `writer.rs`).
    writer: writer::Writer,
    /// The single-peer lookup every peer command starts with.
    lookups: Lookups,
}

/// How [`Store::peer`] reads: on SQLite a direct call (`lite.rs`, which the writer shares); on
/// Postgres batched with other pending lookups into one query (`loader.rs`).
#[derive(Clone, Debug)]
enum Lookups {
    Direct(std::sync::Arc<lite::Lite>),
    Batched(loader::PeerLoader),
}

/// The owner's next short id (`#1`, `#2`, …) in `table`, inside the transaction that inserts it.
async fn next_number(
    tx: &mut Tx<'_>,
    table: &'static str,
    owner: &crate::domain::Owner,
) -> Result<i64> {
    let (n,): (i64,) = db!(&mut *tx, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
        "select coalesce(max(number), 0) + 1 from {table} where team_id = ? and owner_id = ?"
    )))
    .bind(owner.team.as_str())
    .bind(owner.user.as_str())
    .fetch_one(ex)
    .await)?;
    Ok(n)
}

/// Runs `attempt` again (up to three times in all) when Postgres aborted it for a deadlock or a
/// serialisation failure: row locks taken in different orders by two replicas' transactions,
/// which SQLite's single writer never meets. Whatever the attempt wrote was rolled back. The
/// pause before a retry is short and jittered, so the transaction that won the lock finishes
/// first instead of meeting the same retry in the same order again.
async fn retrying<T, F, Fut>(attempt: F) -> Result<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    use backon::{ExponentialBuilder, Retryable};
    let pause = ExponentialBuilder::new()
        .with_min_delay(std::time::Duration::from_millis(5))
        .with_max_delay(std::time::Duration::from_millis(100))
        .with_max_times(2)
        .with_jitter();
    attempt
        .retry(pause)
        .when(|e| {
            matches!(e, StoreError::Db(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("40P01" | "40001")))
        })
        .notify(|e, pause| {
            tracing::debug!(error = %e, ?pause, "transaction aborted by Postgres; trying again");
        })
        .await
}

/// The rows of workspaces that are installed (not uninstalled and waiting out their grace
/// period): every scheduler query for something due ends with it, so nothing is planned for a
/// workspace that uninstalled.
pub(crate) const LIVE_TEAM: &str =
    "team_id not in (select i.team_id from installation i where i.revoked_at is not null)";

/// Instants are stored truncated to whole seconds so their text form sorts as time.
fn instant(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

impl Store {
    /// Opens the database at `url` and applies its backend's migrations: `sqlite://<file>`
    /// (created if missing) or `postgres://…`. Any other scheme is refused, naming the URL with
    /// its password hidden.
    pub async fn connect(url: &str, cipher: Cipher) -> Result<Store> {
        let pool = open(url).await?;
        migrate_pool(&pool).await?;
        let (writer, lookups) = match &pool {
            Backend::Sqlite(p) => {
                let file = p.connect_options().get_filename().to_path_buf();
                let lite = std::sync::Arc::new(lite::Lite::open(file)?);
                (
                    writer::Writer::spawn(writer::Target::Sqlite(lite.clone())),
                    Lookups::Direct(lite),
                )
            }
            Backend::Postgres(_) => (
                writer::Writer::spawn(writer::Target::Postgres(pool.clone())),
                Lookups::Batched(loader::PeerLoader::spawn(pool.clone())),
            ),
        };
        Ok(Store {
            pool,
            cipher,
            writer,
            lookups,
        })
    }

    /// Applies the migrations to the database at `url` (created if missing) without opening a
    /// store: no encryption key needed. Returns every applied migration, oldest first.
    pub async fn migrate(url: &str) -> Result<Vec<String>> {
        let pool = open(url).await?;
        let migrator = migrate_pool(&pool).await?;
        let applied: Vec<(i64,)> = db!(&pool, |ex| q::query_as(
            "select version from _sqlx_migrations where success order by version"
        )
        .fetch_all(ex)
        .await)?;
        pool.close().await;
        Ok(applied
            .into_iter()
            .map(|(v,)| {
                migrator.iter().find(|m| m.version == v).map_or_else(
                    || v.to_string(),
                    |m| format!("{v:04}_{}", m.description.replace(' ', "_")),
                )
            })
            .collect())
    }

    /// Closes the connections (what a lost database looks like to `/healthz`, in tests).
    pub async fn close(&self) {
        if let Lookups::Direct(lite) = &self.lookups {
            lite.close();
        }
        self.pool.close().await;
    }

    /// Whether this store is on Postgres (the few places that differ ask).
    pub fn is_postgres(&self) -> bool {
        self.pool.is_postgres()
    }

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &Pool {
        &self.pool
    }

    fn seal_opt(&self, text: Option<&str>) -> Option<Vec<u8>> {
        text.map(|t| self.cipher.seal(t))
    }

    fn open_opt(&self, sealed: Option<Vec<u8>>) -> Result<Option<String>> {
        sealed
            .map(|s| self.cipher.open(&s))
            .transpose()
            .map_err(Into::into)
    }
}

/// Connects to `url`: SQLite in WAL mode on one connection, or a Postgres pool.
async fn open(url: &str) -> Result<Pool> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("sqlite:") {
        if lower.contains(":memory:") || lower.contains("mode=memory") {
            // The hot path opens the file itself (lite.rs): a database only in memory has none.
            return Err(StoreError::Unsupported(redact_url(url)));
        }
        let opts = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            // For a new file (an existing one keeps its own until a `vacuum` outside WAL mode): a
            // check-in rewrites a few scattered rows, and the log takes a whole page for each;
            // 2 KiB pages write about a third fewer bytes per check-in than SQLite's 4 KiB
            // (README, Performance).
            .page_size(2048)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // Deleted rows are overwritten, not just unlinked: after `/peer forget` nothing of
            // them is left in the file (see privacy.rs).
            .pragma("secure_delete", "on");
        // One connection: SQLite has one writer anyway, and a single connection never meets
        // another's lock ("database is locked") nor re-reads pages another connection
        // invalidated; its prepared statements stay cached. Statements are short and nothing
        // holds the connection across a call to Slack.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await?;
        Ok(Backend::Sqlite(pool))
    } else if lower.starts_with("postgres:") || lower.starts_with("postgresql:") {
        // Several connections: Postgres serves them in parallel; write transactions that
        // read first serialise on one advisory lock (sql.rs), the rest run side by side.
        let pool = PgPoolOptions::new()
            .max_connections(postgres_connections())
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| StoreError::Unreachable(redact_url(url), e.to_string()))?;
        Ok(Backend::Postgres(pool))
    } else {
        Err(StoreError::Unsupported(redact_url(url)))
    }
}

/// Postgres connections per process: `SIDEWAYS_PG_CONNECTIONS`, 8 by default.
fn postgres_connections() -> u32 {
    std::env::var("SIDEWAYS_PG_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(8)
}

/// Applies the backend's own migrations (`migrations/sqlite`, `migrations/postgres`).
async fn migrate_pool(pool: &Pool) -> Result<sqlx::migrate::Migrator> {
    Ok(match pool {
        Backend::Sqlite(p) => {
            let m = sqlx::migrate!("./migrations/sqlite");
            m.run(p).await?;
            m
        }
        Backend::Postgres(p) => {
            let m = sqlx::migrate!("./migrations/postgres");
            m.run(p).await?;
            m
        }
    })
}

/// A store on a fresh database, for the store's own tests: a SQLite file, or a new Postgres
/// database when `TEST_DATABASE_URL` is set (see scratch.rs); it lives as long as the guard.
#[cfg(test)]
pub(crate) async fn test_store() -> (scratch::ScratchDb, Store) {
    let db = scratch::ScratchDb::new().await;
    let url = db.url.clone();
    let key = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    let cipher = Cipher::from_key_text(key).expect("key");
    let store = Store::connect(&url, cipher).await.expect("store");
    (db, store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_survive_redaction() {
        for (url, want) in [
            (
                "postgres://user:secret@host/db",
                "postgres://user:***@host/db",
            ),
            (
                "postgres://u:p%40ss@h:5432/db?sslmode=require",
                "postgres://u:***@h:5432/db?sslmode=require",
            ),
            (
                "postgres://h/db?password=secret&x=1",
                "postgres://h/db?password=***&x=1",
            ),
            ("sqlite://sideways.db", "sqlite://sideways.db"),
            ("postgres://user@host/db", "postgres://user@host/db"),
        ] {
            assert_eq!(redact_url(url), want);
        }
    }

    proptest::proptest! {
        #[test]
        fn redaction_never_panics_and_hides_the_password(pw in "[a-zA-Z0-9]{6,12}", tail in "\\PC{0,20}") {
            let url = format!("postgres://me:{pw}@db.internal/x{tail}");
            let needle = format!(":{}@", pw);
            proptest::prop_assert!(!redact_url(&url).contains(&needle));
            let _ = redact_url(&tail);
        }
    }

    #[tokio::test]
    async fn an_unreachable_postgres_is_reported_without_its_password() {
        let cipher = Cipher::from_key_text(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        )
        .expect("key");
        let e = Store::connect("postgres://user:secret@127.0.0.1:1/db", cipher)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("unreachable"), "{e}");
        assert!(!e.contains("secret"), "{e}");
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;

    /// Two transactions lock two rows in opposite orders: Postgres aborts one as a deadlock,
    /// and [`retrying`] runs it again after the other committed. (SQLite's one writer cannot
    /// deadlock; the test runs on Postgres only.)
    #[tokio::test]
    async fn a_deadlock_on_postgres_is_tried_again() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (_db, store) = test_store().await;
        if !store.is_postgres() {
            return;
        }
        for u in ["U1", "U2"] {
            db!(store.pool(), |ex| q::query(
                "insert into user_profile (team_id, user_id, created_at) values ('T1', ?, ?)"
            )
            .bind(u)
            .bind(DateTime::<Utc>::UNIX_EPOCH)
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))
            .unwrap();
        }
        let barrier = tokio::sync::Barrier::new(2);
        let run = |a: &'static str, b: &'static str| {
            let (store, barrier) = (&store, &barrier);
            async move {
                let tries = AtomicUsize::new(0);
                let tries = &tries;
                retrying(|| async move {
                    let n = tries.fetch_add(1, Ordering::SeqCst);
                    let mut tx = store.pool.begin().await?;
                    for (i, user) in [a, b].into_iter().enumerate() {
                        if i == 1 && n == 0 {
                            barrier.wait().await;
                        }
                        db!(&mut tx, |ex| q::query(
                            "update user_profile set work_start = 10 where team_id = 'T1' and user_id = ?"
                        )
                        .bind(user)
                        .execute(ex)
                        .await
                        .map(|r| r.rows_affected()))?;
                    }
                    tx.commit().await?;
                    Ok(n)
                })
                .await
            }
        };
        // Both commit; at least one was aborted and ran again. (Which one, and whether its
        // retry met the other once more before it finished, is up to Postgres's scheduling.)
        let (x, y) = tokio::join!(run("U1", "U2"), run("U2", "U1"));
        let (x, y) = (x.expect("first committed"), y.expect("second committed"));
        assert!(x + y >= 1, "a deadlock was retried: tries {x} and {y}");
    }

    /// Table → sorted column names, read from the backend's catalogue.
    async fn columns(store: &Store) -> std::collections::BTreeMap<String, Vec<String>> {
        let sql = if store.is_postgres() {
            "select table_name::text, column_name::text from information_schema.columns \
             where table_schema = current_schema() and table_name not like '_sqlx%'"
        } else {
            "select m.name, c.name from sqlite_master m join pragma_table_info(m.name) c \
             where m.type = 'table' and m.name not like 'sqlite_%' and m.name not like '_sqlx%'"
        };
        let rows: Vec<(String, String)> =
            db!(store.pool(), |ex| q::query_as(sql).fetch_all(ex).await).expect("catalogue");
        let mut out = std::collections::BTreeMap::<String, Vec<String>>::new();
        for (t, c) in rows {
            out.entry(t).or_default().push(c);
        }
        for cols in out.values_mut() {
            cols.sort();
        }
        out
    }

    /// The two migration folders describe one schema: every table and column of the SQLite
    /// migrations exists on Postgres and nothing else does. (Runs when the tests run on
    /// Postgres; a migration added to one folder only fails here.)
    #[tokio::test]
    async fn both_backends_have_the_same_tables_and_columns() {
        if !scratch::ScratchDb::on_postgres() {
            return;
        }
        let (_pg_db, pg) = test_store().await;
        let dir = std::env::temp_dir().join(format!("sideways-schema-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let url = format!("sqlite://{}", dir.join("s.db").display());
        let cipher = Cipher::from_key_text(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        )
        .expect("key");
        let sqlite = Store::connect(&url, cipher).await.expect("sqlite store");
        let (a, b) = (columns(&sqlite).await, columns(&pg).await);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(a, b);
    }
}
