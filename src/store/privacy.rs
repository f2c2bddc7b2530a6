//! What a user owns, in one place: `/peer export` reads it and `/peer forget` deletes it.
//!
//! [`OWNED`] lists every table holding a user's own rows and the column naming the owner. A test
//! reads the schema and fails when a table with a user column is in neither [`OWNED`] nor
//! [`NOT_OWNED`], so a new table cannot be left out of export and forget by accident.

use super::sql::{Backend, Tx, db};
use super::{Result, Store, StoreError, instant};
use crate::crypto::Cipher;
use crate::domain::{Owner, UserId};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use sqlx::{Column, Row, TypeInfo, ValueRef};

/// A table of rows owned by one user.
pub struct Owned {
    pub table: &'static str,
    /// The column naming the owner (with `team_id`).
    pub owner: &'static str,
    /// The column naming the peer a row is about, for `/peer forget @user`; `None` when rows
    /// are not about one peer (heads-ups and messages are handled by what they name).
    pub peer: Option<&'static str>,
    /// What the reply calls its rows.
    pub label: &'static str,
}

/// Every table of owned rows, in export order. Add a new table here (and nowhere else).
pub const OWNED: &[Owned] = &[
    Owned {
        table: "user_profile",
        owner: "user_id",
        peer: None,
        label: "settings",
    },
    Owned {
        table: "peer",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "map entries",
    },
    Owned {
        table: "checkin",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "check-ins",
    },
    Owned {
        table: "headsup",
        owner: "owner_id",
        peer: None,
        label: "heads-ups",
    },
    Owned {
        table: "credit",
        owner: "author_id",
        peer: Some("peer_id"),
        label: "credits",
    },
    Owned {
        table: "context",
        owner: "user_id",
        peer: None,
        label: "published context",
    },
    Owned {
        table: "trade",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "ledger entries",
    },
    Owned {
        table: "cheap_offer",
        owner: "owner_id",
        peer: None,
        label: "things you offered to trade",
    },
    Owned {
        table: "offer_suggestion",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "trade suggestions",
    },
    Owned {
        table: "departed_peer",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "departed peers",
    },
    Owned {
        table: "note",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "notes",
    },
    Owned {
        table: "offer",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "offers",
    },
    Owned {
        table: "milestone",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "milestones",
    },
    Owned {
        table: "escalation",
        owner: "initiator_id",
        peer: Some("peer_id"),
        label: "escalations started",
    },
    Owned {
        table: "escalation_side",
        owner: "author_id",
        peer: None,
        label: "escalation positions",
    },
    Owned {
        table: "snooze_log",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "snoozes",
    },
    Owned {
        table: "together",
        owner: "owner_id",
        peer: Some("peer_id"),
        label: "pieces of work together",
    },
    Owned {
        table: "delivery",
        owner: "user_id",
        peer: None,
        label: "messages",
    },
    Owned {
        table: "forget_request",
        owner: "user_id",
        peer: None,
        label: "confirmations",
    },
];

/// Rows reached through an owned parent: (table, its key to the parent, parent table).
const CHILDREN: &[(&str, &str, &str)] = &[("headsup_peer", "headsup_id", "headsup")];

/// Tables with a user column that hold nobody's own data, and why.
#[cfg(test)]
pub const NOT_OWNED: &[(&str, &str)] = &[(
    "departed_user",
    "a workspace fact about the departed user, read to tell their peers' owners",
)];

/// The user columns the schema check looks for.
#[cfg(test)]
pub const USER_COLUMNS: &[&str] = &["owner_id", "user_id", "author_id"];

/// What `/peer forget` deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgetTarget {
    Peer(UserId),
    Me,
}

impl ForgetTarget {
    fn as_text(&self) -> &str {
        match self {
            ForgetTarget::Peer(p) => p.as_str(),
            ForgetTarget::Me => "me",
        }
    }
}

/// What was deleted: (label, rows), only labels with rows.
pub type Deleted = Vec<(&'static str, u64)>;

/// Pressing a forget confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    Done(ForgetTarget, Deleted),
    /// Pressed by someone other than who asked.
    NotYours,
    /// Used already, or never issued.
    Used,
    Expired,
}

/// A whole row as a JSON object, column by column; sealed columns (`…_enc`) opened. Column
/// types are named by each backend: SQLite's storage classes, Postgres's types.
fn row_json<R>(cipher: &Cipher, row: &R) -> Result<Value>
where
    R: Row,
    usize: sqlx::ColumnIndex<R>,
    for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> chrono::NaiveDate: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut o = Map::new();
    for (i, c) in row.columns().iter().enumerate() {
        let name = c.name();
        let raw = row.try_get_raw(i)?;
        if raw.is_null() {
            o.insert(name.into(), Value::Null);
            continue;
        }
        let kind = raw.type_info().name().to_ascii_uppercase();
        drop(raw);
        let v = match kind.as_str() {
            "INTEGER" | "INT8" | "INT4" | "INT2" => json!(row.try_get::<i64, _>(i)?),
            "REAL" | "FLOAT8" => json!(row.try_get::<f64, _>(i)?),
            "BOOL" => json!(row.try_get::<bool, _>(i)?),
            "TIMESTAMPTZ" => json!(row.try_get::<DateTime<Utc>, _>(i)?.to_rfc3339()),
            "DATE" => json!(row.try_get::<chrono::NaiveDate, _>(i)?.to_string()),
            "BLOB" | "BYTEA" if name.ends_with("_enc") => {
                let text = cipher.open(&row.try_get::<Vec<u8>, _>(i)?)?;
                // Sealed JSON (form answers, queued messages) is exported as JSON.
                match serde_json::from_str::<Value>(&text) {
                    Ok(v @ (Value::Object(_) | Value::Array(_))) => v,
                    _ => Value::String(text),
                }
            }
            "BLOB" | "BYTEA" => {
                let b: Vec<u8> = row.try_get(i)?;
                json!(b.iter().map(|b| format!("{b:02x}")).collect::<String>())
            }
            _ => json!(row.try_get::<String, _>(i)?),
        };
        o.insert(name.into(), v);
    }
    Ok(Value::Object(o))
}

impl Store {
    /// Everything `owner` keeps, decrypted, table by table (tokens of pending confirmations
    /// left out).
    pub async fn export(&self, owner: &Owner) -> Result<Value> {
        let mut tables = Map::new();
        for t in OWNED {
            let sql = format!(
                "select * from {} where team_id = ? and {} = ?",
                t.table, t.owner
            );
            let rows = self.owned_rows(&sql, owner).await?;
            tables.insert(t.table.into(), Value::Array(rows));
        }
        for (table, key, parent) in CHILDREN {
            let owner_col = OWNED
                .iter()
                .find(|t| t.table == *parent)
                .map_or("owner_id", |t| t.owner);
            let sql = format!(
                "select * from {table} where {key} in \
                 (select {key} from {parent} where team_id = ? and {owner_col} = ?)"
            );
            let rows = self.owned_rows(&sql, owner).await?;
            tables.insert((*table).into(), Value::Array(rows));
        }
        if let Some(Value::Array(rows)) = tables.get_mut("forget_request") {
            for r in rows {
                if let Some(o) = r.as_object_mut() {
                    o.remove("token");
                }
            }
        }
        Ok(Value::Object(tables))
    }

    async fn owned_rows(&self, sql: &str, owner: &Owner) -> Result<Vec<Value>> {
        db!(&self.pool, |ex| q::query(sqlx::AssertSqlSafe(
            sql.to_string()
        ))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_all(ex)
        .await
        .map_err(StoreError::from)
        .and_then(|rows| rows
            .iter()
            .map(|r| row_json(&self.cipher, r))
            .collect()))
    }

    /// Whether `owner` keeps anything about `peer` (map, check-ins, credits, heads-ups).
    pub async fn keeps_anything_about(&self, owner: &Owner, peer: &UserId) -> Result<bool> {
        let mut n = 0i64;
        for t in OWNED {
            if let Some(col) = t.peer {
                let sql = format!(
                    "select count(*) from {} where team_id = ? and {} = ? and {col} = ?",
                    t.table, t.owner
                );
                n += db!(&self.pool, |ex| q::query_scalar::<i64>(
                    sqlx::AssertSqlSafe(sql.clone())
                )
                .bind(owner.team.as_str())
                .bind(owner.user.as_str())
                .bind(peer.as_str())
                .fetch_one(ex)
                .await)?;
            }
        }
        n += db!(&self.pool, |ex| {
            q::query_scalar::<i64>(
            "select count(*) from headsup_peer hp join headsup h on h.headsup_id = hp.headsup_id \
             where h.team_id = ? and h.owner_id = ? and hp.peer_id = ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .fetch_one(ex).await
        })?;
        Ok(n > 0)
    }

    /// Records a forget request; returns its one-time token.
    pub async fn ask_forget(
        &self,
        owner: &Owner,
        target: &ForgetTarget,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let token = Cipher::random_token();
        db!(&self.pool, |ex| q::query(
            "insert into forget_request (team_id, user_id, token, target, expires_at, created_at) \
             values (?, ?, ?, ?, ?, ?)",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(&token)
        .bind(target.as_text())
        .bind(instant(expires_at))
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(token)
    }

    /// Presses the confirmation `token` as `who`: valid once, for the user who asked, until
    /// it expires. Deletes in one transaction, then empties the write-ahead log so no copy of
    /// a deleted page is left in the files.
    pub async fn confirm_forget(
        &self,
        who: &Owner,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Confirmed> {
        // A write lock: two presses of one button run one after the other, the second finding
        // the request used (on Postgres too, where they would otherwise interleave).
        let mut tx = self.pool.begin_write().await?;
        let asker: Option<String> = db!(&mut tx, |ex| q::query_scalar(
            "select user_id from forget_request where team_id = ? and token = ?",
        )
        .bind(who.team.as_str())
        .bind(token)
        .fetch_optional(ex)
        .await)?;
        match asker {
            None => return Ok(Confirmed::Used),
            Some(a) if a != who.user.as_str() => return Ok(Confirmed::NotYours),
            Some(_) => {}
        }
        let row: Option<(String, DateTime<Utc>)> = db!(&mut tx, |ex| q::query_as(
            "delete from forget_request where team_id = ? and token = ? and user_id = ? \
             returning target, expires_at",
        )
        .bind(who.team.as_str())
        .bind(token)
        .bind(who.user.as_str())
        .fetch_optional(ex)
        .await)?;
        let Some(row) = row else {
            return Ok(Confirmed::Used);
        };
        if row.1 < now {
            tx.commit().await?;
            return Ok(Confirmed::Expired);
        }
        let target = if row.0 == "me" {
            ForgetTarget::Me
        } else {
            ForgetTarget::Peer(
                UserId::parse(&row.0)
                    .ok_or_else(|| StoreError::Corrupt(format!("forget target {}", row.0)))?,
            )
        };
        let deleted = match &target {
            ForgetTarget::Me => forget_owner(&mut tx, who).await?,
            ForgetTarget::Peer(p) => forget_peer(&mut tx, &self.cipher, who, p).await?,
        };
        tx.commit().await?;
        if let Backend::Sqlite(p) = &self.pool {
            // Out of the write-ahead log too, not only the main file.
            sqlx::query("pragma wal_checkpoint(truncate)")
                .execute(p)
                .await?;
        }
        Ok(Confirmed::Done(target, deleted))
    }
}

async fn forget_owner(tx: &mut Tx<'_>, who: &Owner) -> Result<Deleted> {
    let mut deleted = Vec::new();
    for (table, key, parent) in CHILDREN {
        let owner_col = OWNED
            .iter()
            .find(|t| t.table == *parent)
            .map_or("owner_id", |t| t.owner);
        db!(&mut *tx, |ex| q::query(sqlx::AssertSqlSafe(format!(
            "delete from {table} where {key} in \
             (select {key} from {parent} where team_id = ? and {owner_col} = ?)"
        )))
        .bind(who.team.as_str())
        .bind(who.user.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
    }
    for t in OWNED {
        let n = db!(&mut *tx, |ex| q::query(sqlx::AssertSqlSafe(format!(
            "delete from {} where team_id = ? and {} = ?",
            t.table, t.owner
        )))
        .bind(who.team.as_str())
        .bind(who.user.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        if n > 0 && t.table != "forget_request" {
            deleted.push((t.label, n));
        }
    }
    let notes = forget_together_notes(tx, who, None).await?;
    if notes > 0 {
        deleted.push(("notes sent to peers about your work together", notes));
    }
    Ok(deleted)
}

/// The end-of-work notes sent (or queued) to peers about the owner's pieces of work together
/// (with one peer, or all): they are in the peer's outbox, keyed by the owner, and go with the
/// piece of work, so none is sent later.
async fn forget_together_notes(tx: &mut Tx<'_>, who: &Owner, peer: Option<&UserId>) -> Result<u64> {
    let prefix = crate::domain::together_peer_key_prefix(&who.user);
    Ok(db!(&mut *tx, |ex| q::query(
        "delete from delivery where team_id = ? and kind = ? and (? is null or user_id = ?) \
         and substr(dedupe_key, 1, length(?)) = ?",
    )
    .bind(who.team.as_str())
    .bind(crate::domain::TOGETHER_PEER_KIND)
    .bind(peer.map(UserId::as_str))
    .bind(peer.map(UserId::as_str))
    .bind(&prefix)
    .bind(&prefix)
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?)
}

async fn forget_peer(
    tx: &mut Tx<'_>,
    cipher: &Cipher,
    who: &Owner,
    peer: &UserId,
) -> Result<Deleted> {
    let (team, me, p) = (who.team.as_str(), who.user.as_str(), peer.as_str());
    let mut deleted = Vec::new();
    for t in OWNED {
        if let Some(col) = t.peer {
            let n = db!(&mut *tx, |ex| q::query(sqlx::AssertSqlSafe(format!(
                "delete from {} where team_id = ? and {} = ? and {col} = ?",
                t.table, t.owner
            )))
            .bind(team)
            .bind(me)
            .bind(p)
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
            if n > 0 {
                deleted.push((t.label, n));
            }
        }
    }
    // Heads-ups: the peer leaves each one; a heads-up naming nobody else goes entirely.
    let named = db!(&mut *tx, |ex| q::query(
        "delete from headsup_peer where peer_id = ? and headsup_id in \
         (select headsup_id from headsup where team_id = ? and owner_id = ?)",
    )
    .bind(p)
    .bind(team)
    .bind(me)
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?;
    if named > 0 {
        deleted.push(("heads-up mentions", named));
    }
    let emptied = db!(&mut *tx, |ex| q::query(
        "delete from headsup where team_id = ? and owner_id = ? and not exists \
         (select 1 from headsup_peer hp where hp.headsup_id = headsup.headsup_id)",
    )
    .bind(team)
    .bind(me)
    .execute(ex)
    .await
    .map(|r| r.rows_affected()))?;
    if emptied > 0 {
        deleted.push(("heads-ups", emptied));
    }
    // Messages (queued or sent) that name the peer: nothing about them is sent later, and no
    // copy of one stays.
    let rows: Vec<(i64, Vec<u8>)> = db!(&mut *tx, |ex| q::query_as(
        "select delivery_id, payload_enc from delivery where team_id = ? and user_id = ?",
    )
    .bind(team)
    .bind(me)
    .fetch_all(ex)
    .await)?;
    let mut messages = 0;
    for (id, sealed) in rows {
        if cipher.open(&sealed)?.contains(p) {
            db!(&mut *tx, |ex| q::query(
                "delete from delivery where delivery_id = ?"
            )
            .bind(id)
            .execute(ex)
            .await
            .map(|r| r.rows_affected()))?;
            messages += 1;
        }
    }
    messages += forget_together_notes(tx, who, Some(peer)).await?;
    if messages > 0 {
        deleted.push(("messages", messages));
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two presses of one confirmation at the same moment: one forgets, the other is told it
    /// was used (never a database error), on both backends.
    #[tokio::test]
    async fn two_presses_at_once_forget_once() {
        let (_db, store) = crate::store::test_store().await;
        let me = Owner::new(
            crate::domain::TeamId::parse("T1").unwrap(),
            UserId::parse("U1").unwrap(),
        );
        let now: DateTime<Utc> = "2026-12-03T10:00:00Z".parse().unwrap();
        let token = store
            .ask_forget(
                &me,
                &ForgetTarget::Me,
                now + chrono::TimeDelta::minutes(10),
                now,
            )
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            store.confirm_forget(&me, &token, now),
            store.confirm_forget(&me, &token, now)
        );
        let mut got = [a.unwrap(), b.unwrap()].map(|c| matches!(c, Confirmed::Done(..)));
        got.sort();
        assert_eq!(got, [false, true]);
    }

    /// Every table with a user column is either owned (exported and forgotten) or explicitly
    /// not: a table added without deciding fails here.
    #[tokio::test]
    async fn every_table_with_a_user_column_is_owned_or_explained() {
        let (_dir, store) = crate::store::test_store().await;
        let (tables_sql, columns_sql) = if store.is_postgres() {
            (
                "select table_name::text from information_schema.tables \
                 where table_schema = current_schema() and table_name not like '_sqlx%'",
                "select column_name::text from information_schema.columns \
                 where table_schema = current_schema() and table_name = ?",
            )
        } else {
            (
                "select name from sqlite_master where type = 'table' \
                 and name not like 'sqlite_%' and name not like '_sqlx%'",
                "select name from pragma_table_info(?)",
            )
        };
        let tables: Vec<String> = db!(store.pool(), |ex| q::query_scalar(tables_sql)
            .fetch_all(ex)
            .await)
        .unwrap();
        for table in tables {
            let cols: Vec<String> = db!(store.pool(), |ex| q::query_scalar(columns_sql)
                .bind(&table)
                .fetch_all(ex)
                .await)
            .unwrap();
            let user_cols: Vec<&String> = cols
                .iter()
                .filter(|c| USER_COLUMNS.contains(&c.as_str()))
                .collect();
            if user_cols.is_empty() {
                continue;
            }
            let owned = OWNED.iter().find(|t| t.table == table);
            let excused = NOT_OWNED.iter().any(|(t, _)| *t == table);
            assert!(
                owned.is_some() || excused,
                "table {table} has {user_cols:?}: add it to OWNED (exported and forgotten) or NOT_OWNED in store/privacy.rs"
            );
            if let Some(t) = owned {
                assert!(cols.iter().any(|c| c == t.owner), "{table}.{}", t.owner);
                assert!(cols.iter().any(|c| c == "team_id"), "{table}.team_id");
            }
        }
    }
}
