//! What a scheduler pass reads and writes for a batch of owners at once: one query per kind of
//! row (profiles, peers, heads-up presence, check-in signals) and one transaction for the
//! batch's claims and moved nudge times, whatever the number of owners in it.

use super::profiles::{PROFILE_COLUMNS, ProfileRow, profile_from_row};
use super::{DeliveryClaim, Profile, Result, Store, StoreError, instant, peers::set_nudges};
use crate::domain::{CheckinSignals, Owner, Peer, TeamId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};

/// The rows a batch of due owners is planned from.
#[derive(Default)]
pub struct DueBatch {
    pub profiles: HashMap<Owner, Profile>,
    /// Every peer of each owner, with its stored nudge time.
    pub peers: HashMap<Owner, Vec<(Peer, DateTime<Utc>)>>,
    /// Owners who have heads-ups in play (only theirs are read one by one).
    pub with_headsups: HashSet<Owner>,
}

type BatchPeerRow = (
    String,
    String,
    String,
    Option<Vec<u8>>,
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<NaiveDate>,
    DateTime<Utc>,
);

type OwnerProfileRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    i64,
    i64,
    i64,
);
/// (team, owner, peer, status_sync, sealed offer, rank: 1 = the latest check-in)
type SignalRow = (String, String, String, i64, Option<Vec<u8>>, i64);
/// New nudge times of one owner's peers.
pub type NudgeMoves = Vec<(UserId, DateTime<Utc>)>;

/// `[["T1","U1"],…]`: a batch of owners as one bound parameter, read with `json_each`.
fn owners_json(owners: &[Owner]) -> Result<String> {
    let pairs: Vec<[&str; 2]> = owners
        .iter()
        .map(|o| [o.team.as_str(), o.user.as_str()])
        .collect();
    serde_json::to_string(&pairs).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn owner(team: &str, user: &str) -> Result<Owner> {
    match (TeamId::parse(team), UserId::parse(user)) {
        (Some(t), Some(u)) => Ok(Owner::new(t, u)),
        _ => Err(StoreError::Corrupt("owner ids".into())),
    }
}

/// Joins a table's `(team_col, user_col)` to the owners bound as `?`.
const OWNERS: &str = "json_each(?) o";
const TEAM_OF: &str = "json_extract(o.value, '$[0]')";
const USER_OF: &str = "json_extract(o.value, '$[1]')";

impl Store {
    /// Profiles, peers (with nudge times) and heads-up presence for `owners`: three queries.
    pub async fn due_batch(&self, owners: &[Owner]) -> Result<DueBatch> {
        if owners.is_empty() {
            return Ok(DueBatch::default());
        }
        let json = owners_json(owners)?;
        let rows: Vec<OwnerProfileRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select u.team_id, u.user_id, {cols} from {OWNERS} \
                 join user_profile u on u.team_id = {TEAM_OF} and u.user_id = {USER_OF}",
            cols = PROFILE_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
        .bind(&json)
        .fetch_all(&self.pool)
        .await?;
        let mut batch = DueBatch::default();
        for (t, u, a, b, c, d, e, f) in rows {
            let row: ProfileRow = (a, b, c, d, e, f);
            batch
                .profiles
                .insert(owner(&t, &u)?, profile_from_row(row)?);
        }
        let rows: Vec<BatchPeerRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select p.team_id, p.owner_id, p.peer_id, p.reason_enc, p.cadence, p.added_on, \
             p.last_contact_on, p.snoozed_until, p.nudge_at from {OWNERS} \
             join peer p on p.team_id = {TEAM_OF} and p.owner_id = {USER_OF} \
             order by p.team_id, p.owner_id, p.peer_id"
        )))
        .bind(&json)
        .fetch_all(&self.pool)
        .await?;
        for (t, u, peer, reason, cadence, added, last, snoozed, at) in rows {
            let p = self.peer_from_row((peer, reason, cadence, added, last, snoozed))?;
            batch.peers.entry(owner(&t, &u)?).or_default().push((p, at));
        }
        let rows: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "select distinct h.team_id, h.owner_id from {OWNERS} \
             join headsup h on h.team_id = {TEAM_OF} and h.owner_id = {USER_OF} \
             where h.status in ('open', 'done')"
        )))
        .bind(&json)
        .fetch_all(&self.pool)
        .await?;
        for (t, u) in rows {
            batch.with_headsups.insert(owner(&t, &u)?);
        }
        Ok(batch)
    }

    /// Check-in signals (status-sync drift, the last offer) of every peer of `owners`: one
    /// query.
    pub async fn signals_for(
        &self,
        owners: &[Owner],
    ) -> Result<HashMap<Owner, HashMap<UserId, CheckinSignals>>> {
        if owners.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<SignalRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "select team_id, owner_id, peer_id, status_sync, offer_enc, rn from (\
                   select c.team_id, c.owner_id, c.peer_id, c.status_sync, c.offer_enc, \
                   row_number() over (partition by c.team_id, c.owner_id, c.peer_id \
                     order by c.held_on desc, c.checkin_id desc) as rn \
                   from {OWNERS} join checkin c on c.team_id = {TEAM_OF} and c.owner_id = {USER_OF}) \
                 ranked where rn <= 2 order by team_id, owner_id, peer_id, rn"
            )))
            .bind(owners_json(owners)?)
            .fetch_all(&self.pool)
            .await?;
        let mut out: HashMap<Owner, HashMap<UserId, CheckinSignals>> = HashMap::new();
        let mut syncs: HashMap<(Owner, UserId), Vec<i64>> = HashMap::new();
        for (t, u, peer, sync, offer, rn) in rows {
            let o = owner(&t, &u)?;
            let peer =
                UserId::parse(&peer).ok_or_else(|| StoreError::Corrupt("checkin peer".into()))?;
            syncs
                .entry((o.clone(), peer.clone()))
                .or_default()
                .push(sync);
            if rn == 1 {
                let signals = out.entry(o).or_default().entry(peer).or_default();
                signals.open_offer = self.open_opt(offer)?;
            }
        }
        for ((o, peer), s) in syncs {
            if let Some(sig) = out.get_mut(&o).and_then(|m| m.get_mut(&peer)) {
                sig.drifting = s.len() == 2 && s.iter().all(|x| *x == 1);
            }
        }
        Ok(out)
    }

    /// Records a batch of messages in one transaction (see [`Store::claim_delivery`]): the
    /// id of each claim that won, `None` for those already recorded.
    pub async fn claim_deliveries(
        &self,
        claims: &[DeliveryClaim<'_>],
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<Option<i64>>> {
        let mut tx = self.pool.begin_with("begin immediate").await?;
        let mut ids = Vec::with_capacity(claims.len());
        for c in claims {
            ids.push(super::deliveries::claim_tx(self, &mut tx, c, now, lease_until).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Moves many owners' nudge times in one transaction.
    pub async fn set_nudges_many(&self, moves: &[(Owner, NudgeMoves)]) -> Result<()> {
        if moves.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with("begin immediate").await?;
        for (owner, nudges) in moves {
            set_nudges(&mut tx, owner, nudges).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Owners with a peer due at `now`, in id order after `after`: how a dry run pages through
    /// every due owner without moving anything.
    pub async fn owners_due_after(
        &self,
        now: DateTime<Utc>,
        after: Option<&Owner>,
        limit: i64,
    ) -> Result<Vec<Owner>> {
        let (t, u) = after
            .map(|o| (o.team.as_str(), o.user.as_str()))
            .unwrap_or(("", ""));
        let rows: Vec<(String, String)> = sqlx::query_as(
            "select team_id, owner_id from peer where nudge_at <= ? \
             and (team_id > ? or (team_id = ? and owner_id > ?)) \
             group by team_id, owner_id order by team_id, owner_id limit ?",
        )
        .bind(instant(now))
        .bind(t)
        .bind(t)
        .bind(u)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|(t, u)| owner(t, u)).collect()
    }
}
