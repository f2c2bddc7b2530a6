//! The two backends behind one set of store functions.
//!
//! Every query is written once, in SQL both SQLite and Postgres accept, with `?` placeholders.
//! The [`db!`](crate::store::db) macro runs a query chain on whichever backend the store was
//! opened on: it expands the chain once per backend (so each is type-checked against its own
//! driver, with native types: `chrono` times, `bytea`/`blob`), and the `q::query*` functions
//! it brings into scope hand SQLite the text as written and Postgres a translation
//! ([`postgres_text`]): `?` becomes `$1`, `$2`, …, and the JSON table functions SQLite spells
//! `json_each`/`json_extract` become Postgres's `json_array_elements`/`->>`.
//!
//! Why not `sqlx::Any`: it has no `chrono` types and converts every row through a generic
//! value, which would slow the SQLite hot path; a trait with two implementations would write
//! every query twice. Here the SQL is written once and each driver stays native.

use sqlx::{
    AssertSqlSafe, Postgres, SqlSafeStr, SqlStr, Sqlite, Transaction,
    postgres::{PgConnection, PgPool},
    sqlite::{SqliteConnection, SqlitePool},
};

/// One value per backend.
#[derive(Debug)]
pub enum Backend<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// The connection pool the store was opened on.
pub type Pool = Backend<SqlitePool, PgPool>;

impl Clone for Pool {
    fn clone(&self) -> Self {
        match self {
            Backend::Sqlite(p) => Backend::Sqlite(p.clone()),
            Backend::Postgres(p) => Backend::Postgres(p.clone()),
        }
    }
}

/// A transaction on either backend. Dropped without [`Tx::commit`], it rolls back.
pub type Tx<'c> = Backend<Transaction<'c, Sqlite>, Transaction<'c, Postgres>>;

impl Pool {
    /// A read transaction (or one whose writes need no lock on what they read).
    pub async fn begin(&self) -> sqlx::Result<Tx<'static>> {
        Ok(match self {
            Backend::Sqlite(p) => Backend::Sqlite(p.begin().await?),
            Backend::Postgres(p) => Backend::Postgres(p.begin().await?),
        })
    }

    /// A read-only transaction whose queries all see one snapshot: SQLite's deferred
    /// transaction does that already; Postgres needs `repeatable read` (at its default, read
    /// committed, each query would see the latest commits).
    pub async fn begin_read(&self) -> sqlx::Result<Tx<'static>> {
        Ok(match self {
            Backend::Sqlite(p) => Backend::Sqlite(p.begin().await?),
            Backend::Postgres(p) => Backend::Postgres(
                p.begin_with("begin isolation level repeatable read read only")
                    .await?,
            ),
        })
    }

    /// A transaction that reads and then writes what it read, serialised against every other
    /// such transaction: SQLite's `begin immediate` (the one write lock), and on Postgres a
    /// transaction-scoped advisory lock taken first, so the check-then-write code above runs
    /// the same on both, across any number of replicas sharing the database.
    pub async fn begin_write(&self) -> sqlx::Result<Tx<'static>> {
        Ok(match self {
            Backend::Sqlite(p) => Backend::Sqlite(p.begin_with("begin immediate").await?),
            Backend::Postgres(p) => {
                let mut tx = p.begin().await?;
                sqlx::query(WRITE_LOCK).execute(&mut *tx).await?;
                Backend::Postgres(tx)
            }
        })
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }

    pub async fn close(&self) {
        match self {
            Backend::Sqlite(p) => p.close().await,
            Backend::Postgres(p) => p.close().await,
        }
    }
}

/// The advisory lock every Postgres write transaction takes (the key is arbitrary, fixed).
pub const WRITE_LOCK: &str = "select pg_advisory_xact_lock(7305016742)";

impl Tx<'_> {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Backend::Sqlite(t) => t.commit().await,
            Backend::Postgres(t) => t.commit().await,
        }
    }
}

/// What [`db!`](crate::store::db) runs a query on: a pool or an open transaction.
pub trait On {
    type S;
    type P;
    fn on(self) -> Backend<Self::S, Self::P>;
}

impl<'a> On for &'a Pool {
    type S = &'a SqlitePool;
    type P = &'a PgPool;
    fn on(self) -> Backend<Self::S, Self::P> {
        match self {
            Backend::Sqlite(p) => Backend::Sqlite(p),
            Backend::Postgres(p) => Backend::Postgres(p),
        }
    }
}

impl<'a, 'c> On for &'a mut Tx<'c> {
    type S = &'a mut SqliteConnection;
    type P = &'a mut PgConnection;
    fn on(self) -> Backend<Self::S, Self::P> {
        match self {
            Backend::Sqlite(t) => Backend::Sqlite(&mut **t),
            Backend::Postgres(t) => Backend::Postgres(&mut **t),
        }
    }
}

/// Runs `$body` (a query chain built with `q::query`, `q::query_as` or `q::query_scalar` and
/// executed on `$ex`) on the backend of `$on` (a `&Pool` or a `&mut Tx`).
macro_rules! db {
    ($on:expr, |$ex:ident| $body:expr) => {
        match $crate::store::sql::On::on($on) {
            $crate::store::sql::Backend::Sqlite($ex) => {
                use $crate::store::sql::sqlite as q;
                $body
            }
            $crate::store::sql::Backend::Postgres($ex) => {
                use $crate::store::sql::postgres as q;
                $body
            }
        }
    };
}
pub(crate) use db;

/// The query constructors for SQLite: the text as written.
pub mod sqlite {
    use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteRow};
    use sqlx::{FromRow, SqlSafeStr};

    pub fn query(sql: impl SqlSafeStr) -> sqlx::query::Query<'static, Sqlite, SqliteArguments> {
        sqlx::query(sql)
    }

    pub fn query_as<O>(
        sql: impl SqlSafeStr,
    ) -> sqlx::query::QueryAs<'static, Sqlite, O, SqliteArguments>
    where
        O: for<'r> FromRow<'r, SqliteRow>,
    {
        sqlx::query_as(sql)
    }

    pub fn query_scalar<O>(
        sql: impl SqlSafeStr,
    ) -> sqlx::query::QueryScalar<'static, Sqlite, O, SqliteArguments>
    where
        (O,): for<'r> FromRow<'r, SqliteRow>,
    {
        sqlx::query_scalar(sql)
    }
}

/// The query constructors for Postgres: the text translated by [`postgres_text`].
pub mod postgres {
    use super::translated;
    use sqlx::postgres::{PgArguments, PgRow, Postgres};
    use sqlx::{FromRow, SqlSafeStr};

    pub fn query(sql: impl SqlSafeStr) -> sqlx::query::Query<'static, Postgres, PgArguments> {
        sqlx::query(translated(sql))
    }

    pub fn query_as<O>(
        sql: impl SqlSafeStr,
    ) -> sqlx::query::QueryAs<'static, Postgres, O, PgArguments>
    where
        O: for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_as(translated(sql))
    }

    pub fn query_scalar<O>(
        sql: impl SqlSafeStr,
    ) -> sqlx::query::QueryScalar<'static, Postgres, O, PgArguments>
    where
        (O,): for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_scalar(translated(sql))
    }
}

fn translated(sql: impl SqlSafeStr) -> SqlStr {
    let sql = sql.into_sql_str();
    AssertSqlSafe(postgres_text(sql.as_str())).into_sql_str()
}

/// `sql` (written for SQLite, with `?` placeholders) as Postgres reads it: placeholders
/// numbered `$1…` in order (none are inside quoted text), `select value from json_each(?)`
/// over a JSON array of strings as `json_array_elements_text`, any other `json_each(?)` as
/// `json_array_elements`, and `json_extract(x, '$[N]')` as `(x ->> N)`.
pub fn postgres_text(sql: &str) -> String {
    let sql = sql
        .replace(
            "select value from json_each(?)",
            "select value from json_array_elements_text(?::json)",
        )
        .replace("json_each(?)", "json_array_elements(?::json)");
    let sql = json_extract(&sql);
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// `json_extract(x, '$[N]')` → `(x ->> N)`.
fn json_extract(sql: &str) -> String {
    const OPEN: &str = "json_extract(";
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find(OPEN) {
        out.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len()..];
        let call_end = after.find(')').unwrap_or(after.len());
        let parsed = after[..call_end].find(", '$[").and_then(|comma| {
            let idx_start = comma + ", '$[".len();
            let close = after[idx_start..].find("]')")? + idx_start;
            let index: u32 = after[idx_start..close].parse().ok()?;
            Some((&after[..comma], index, close + "]')".len()))
        });
        match parsed {
            Some((arg, index, used)) => {
                out.push_str(&format!("({arg} ->> {index})"));
                rest = &after[used..];
            }
            None => {
                out.push_str(OPEN);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::postgres_text;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        assert_eq!(
            postgres_text("select 1 from t where a = ? and b = '?' and c in (?, ?)"),
            "select 1 from t where a = $1 and b = '?' and c in ($2, $3)"
        );
    }

    #[test]
    fn only_a_literal_array_index_is_rewritten() {
        assert_eq!(
            postgres_text("select json_extract(a, ?), json_extract(b, '$[1]') from t"),
            "select json_extract(a, $1), (b ->> 1) from t"
        );
    }

    #[test]
    fn json_table_functions_are_translated() {
        assert_eq!(
            postgres_text(
                "select x from json_each(?) o join t on t.team_id = json_extract(o.value, '$[0]') \
                 and t.user_id = json_extract(o.value, '$[1]') where t.u in \
                 (select value from json_each(?))"
            ),
            "select x from json_array_elements($1::json) o join t on t.team_id = (o.value ->> 0) \
             and t.user_id = (o.value ->> 1) where t.u in \
             (select value from json_array_elements_text($2::json))"
        );
    }

    proptest::proptest! {
        #[test]
        fn translation_never_panics(s in "\\PC{0,80}") {
            let _ = postgres_text(&s);
        }
    }
}
