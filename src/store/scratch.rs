//! A fresh, empty database for one test, on the backend the test run asks for.
//!
//! Tests run on SQLite unless `TEST_DATABASE_URL` names a Postgres server: then each scratch
//! database is a new Postgres database on it (`sideways_test_<random>`), dropped when the
//! guard is. `.ci/run` runs the whole suite both ways. This lives in the library (not under
//! `#[cfg(test)]`) because the integration tests in `tests/` use it too.

use std::path::PathBuf;

/// The variable that switches the tests to Postgres.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// One test's database. `url` is what `DATABASE_URL` would be.
#[derive(Debug)]
pub struct ScratchDb {
    pub url: String,
    /// The SQLite file, when on SQLite (tests that read the file's bytes use it).
    pub file: Option<PathBuf>,
    dir: Option<PathBuf>,
    postgres: Option<(String, String)>,
}

impl ScratchDb {
    /// A new database: on the Postgres server of `TEST_DATABASE_URL` when it is set,
    /// otherwise a SQLite file in a new temporary directory.
    pub async fn new() -> ScratchDb {
        match std::env::var(TEST_DATABASE_URL) {
            Ok(admin) if !admin.trim().is_empty() => Self::postgres(admin.trim()).await,
            _ => Self::sqlite(),
        }
    }

    /// Whether the tests run on Postgres.
    pub fn on_postgres() -> bool {
        std::env::var(TEST_DATABASE_URL).is_ok_and(|v| !v.trim().is_empty())
    }

    /// A new database on the Postgres server at `admin` (any database URL on it), for
    /// `sideways bench --postgres`: an error instead of a panic when the server is not there.
    pub async fn create_on(admin: &str) -> Result<ScratchDb, sqlx::Error> {
        Self::create_named(admin, "sideways_bench").await
    }

    fn sqlite() -> ScratchDb {
        let dir = std::env::temp_dir().join(format!("sideways-test-{}", random_name()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("sideways.db");
        ScratchDb {
            url: format!("sqlite://{}", file.display()),
            file: Some(file),
            dir: Some(dir),
            postgres: None,
        }
    }

    async fn postgres(admin: &str) -> ScratchDb {
        Self::create_named(admin, "sideways_test")
            .await
            .expect("TEST_DATABASE_URL: cannot create a test database")
    }

    /// A new database `<prefix>_<random>` on the server at `admin`.
    async fn create_named(admin: &str, prefix: &str) -> Result<ScratchDb, sqlx::Error> {
        use sqlx::Connection;
        let name = format!("{prefix}_{}", random_name());
        let mut c = sqlx::PgConnection::connect(admin).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {name}")))
            .execute(&mut c)
            .await?;
        let _ = c.close().await;
        Ok(ScratchDb {
            url: with_database(admin, &name),
            file: None,
            dir: None,
            postgres: Some((admin.to_string(), name)),
        })
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.postgres.take() {
            // Drop may run inside a runtime (the end of a #[tokio::test]): use a thread of
            // its own with a runtime of its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "drop database if exists {name} with (force)"
                        )))
                        .execute(&mut c)
                        .await;
                        let _ = c.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// `url` with its database name replaced by `name` (the query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A name no other test of this run (or a parallel run) will pick.
fn random_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
