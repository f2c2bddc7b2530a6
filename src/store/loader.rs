//! Batched lookups of single peers on Postgres, the read every command about a peer starts with
//! (SQLite reads directly: `lite.rs`). Requests hand their `(owner, peer)` to one task, which
//! answers everything pending with one query (`json_each` over the keys, which `sql.rs`
//! translates): one round trip for many requests under load, and still one for a request alone.

use super::peers::{OWNED_PEER_COLUMNS, OwnedPeerRow, PeerRow};
use super::sql::{Pool, db};
use super::{Result, StoreError};
use crate::domain::{Owner, UserId};
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

const MAX_BATCH: usize = 128;

type Key = (String, String, String);
type Answer = oneshot::Sender<std::result::Result<Option<PeerRow>, String>>;

#[derive(Clone, Debug)]
pub(super) struct PeerLoader {
    queue: mpsc::Sender<(Key, Answer)>,
}

impl PeerLoader {
    pub(super) fn spawn(pool: Pool) -> PeerLoader {
        let queue = super::batch::spawn_batcher(MAX_BATCH, move |batch| {
            let pool = pool.clone();
            async move { answer(&pool, batch).await }
        });
        PeerLoader { queue }
    }

    /// The stored row of `peer` on `owner`'s map, if any.
    pub(super) async fn load(&self, owner: &Owner, peer: &UserId) -> Result<Option<PeerRow>> {
        let key = (
            owner.team.as_str().to_string(),
            owner.user.as_str().to_string(),
            peer.as_str().to_string(),
        );
        let (tx, rx) = oneshot::channel();
        let stopped = || StoreError::Corrupt("the peer loader stopped".into());
        self.queue.send((key, tx)).await.map_err(|_| stopped())?;
        rx.await
            .map_err(|_| stopped())?
            .map_err(|e| StoreError::Db(sqlx::Error::Protocol(e)))
    }
}

async fn answer(pool: &Pool, batch: Vec<(Key, Answer)>) {
    let keys: Vec<[&str; 3]> = batch
        .iter()
        .map(|((t, o, p), _)| [t.as_str(), o.as_str(), p.as_str()])
        .collect();
    let rows: std::result::Result<Vec<OwnedPeerRow>, String> = match serde_json::to_string(&keys) {
        Ok(json) => db!(pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
            "select {OWNED_PEER_COLUMNS} from json_each(?) k join peer p \
             on p.team_id = json_extract(k.value, '$[0]') \
             and p.owner_id = json_extract(k.value, '$[1]') \
             and p.peer_id = json_extract(k.value, '$[2]')"
        )))
        .bind(json)
        .fetch_all(ex)
        .await)
        .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match rows {
        Ok(rows) => {
            // Cloned, not removed: one batch may ask for the same peer twice.
            let found: HashMap<Key, PeerRow> = rows
                .into_iter()
                .map(|(t, o, p, r, c, a, l, s, _)| ((t, o, p.clone()), (p, r, c, a, l, s)))
                .collect();
            for (key, tx) in batch {
                let _ = tx.send(Ok(found.get(&key).cloned()));
            }
        }
        Err(e) => {
            for (_, tx) in batch {
                let _ = tx.send(Err(e.clone()));
            }
        }
    }
}
