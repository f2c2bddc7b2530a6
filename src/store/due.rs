//! What a scheduler pass reads and writes for a batch of owners at once: one query per kind of
//! row (profiles, peers, heads-up presence, check-in signals) and one transaction for the
//! batch's claims and moved nudge times, whatever the number of owners in it.

use super::peers::{OWNED_PEER_COLUMNS, OwnedPeerRow};
use super::profiles::{PROFILE_COLUMNS, ProfileRow, profile_from_row};
use super::sql::db;
use super::{DeliveryClaim, Profile, Result, Store, StoreError, instant, peers::move_due_nudges};
use crate::domain::{CheckinSignals, Milestone, Offer, Owner, Peer, TeamId, UserId};
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
/// (team, owner, peer, status_sync, rank: 1 = the latest check-in)
type SignalRow = (String, String, String, i64, i64);
/// (team, owner, peer, id or date, sealed text, made on)
type OfferRow = (String, String, String, i64, Vec<u8>, NaiveDate);
type MilestoneRow = (String, String, String, NaiveDate, Vec<u8>);
/// New nudge times of one owner's peers.
pub type NudgeMoves = Vec<(UserId, DateTime<Utc>)>;

/// `[["T1","U1"],…]`: a batch of owners as one bound parameter, read with `json_each`.
pub(super) fn owners_json(owners: &[Owner]) -> Result<String> {
    let pairs: Vec<[&str; 2]> = owners
        .iter()
        .map(|o| [o.team.as_str(), o.user.as_str()])
        .collect();
    serde_json::to_string(&pairs).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn owner(team: &str, user: &str) -> Result<Owner> {
    match (TeamId::parse(team), UserId::parse(user)) {
        (Some(t), Some(u)) => Ok(Owner::new(t, u)),
        _ => Err(StoreError::Corrupt("owner ids".into())),
    }
}

/// Joins a table's `(team_col, user_col)` to the owners bound as `?`.
pub(super) const OWNERS: &str = "json_each(?) o";
pub(super) const TEAM_OF: &str = "json_extract(o.value, '$[0]')";
pub(super) const USER_OF: &str = "json_extract(o.value, '$[1]')";

impl Store {
    /// Profiles, peers (with nudge times) and heads-up presence for `owners`: three queries.
    pub async fn due_batch(&self, owners: &[Owner]) -> Result<DueBatch> {
        if owners.is_empty() {
            return Ok(DueBatch::default());
        }
        let json = owners_json(owners)?;
        let rows: Vec<OwnerProfileRow> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select u.team_id, u.user_id, {cols} from {OWNERS} \
                 join user_profile u on u.team_id = {TEAM_OF} and u.user_id = {USER_OF}",
                cols = PROFILE_COLUMNS
                    .split(", ")
                    .map(|c| format!("u.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
            .bind(&json)
            .fetch_all(ex)
            .await)?;
        let mut batch = DueBatch::default();
        for (t, u, a, b, c, d, e, f) in rows {
            let row: ProfileRow = (a, b, c, d, e, f);
            batch
                .profiles
                .insert(owner(&t, &u)?, profile_from_row(row)?);
        }
        let rows: Vec<OwnedPeerRow> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select {OWNED_PEER_COLUMNS} from {OWNERS} \
             join peer p on p.team_id = {TEAM_OF} and p.owner_id = {USER_OF} \
             order by p.team_id, p.owner_id, p.peer_id"
            )))
            .bind(&json)
            .fetch_all(ex)
            .await)?;
        for row in rows {
            let (o, p, at) = self.owned_peer_from_row(row)?;
            batch.peers.entry(o).or_default().push((p, at));
        }
        let rows: Vec<(String, String)> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select distinct h.team_id, h.owner_id from {OWNERS} \
             join headsup h on h.team_id = {TEAM_OF} and h.owner_id = {USER_OF} \
             where h.status in ('open', 'done')"
            )))
            .bind(&json)
            .fetch_all(ex)
            .await)?;
        for (t, u) in rows {
            batch.with_headsups.insert(owner(&t, &u)?);
        }
        Ok(batch)
    }

    /// Check-in signals (status-sync drift, open offers, the current milestone) of every peer
    /// of `owners`: one query per kind of row.
    pub async fn signals_for(
        &self,
        owners: &[Owner],
    ) -> Result<HashMap<Owner, HashMap<UserId, CheckinSignals>>> {
        if owners.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<SignalRow> = db!(&self.pool, |ex| {
            q::query_as(sqlx::AssertSqlSafe(format!(
                "select team_id, owner_id, peer_id, status_sync, rn from (\
                   select c.team_id, c.owner_id, c.peer_id, c.status_sync, \
                   row_number() over (partition by c.team_id, c.owner_id, c.peer_id \
                     order by c.held_on desc, c.checkin_id desc) as rn \
                   from {OWNERS} join checkin c on c.team_id = {TEAM_OF} and c.owner_id = {USER_OF}) \
                 ranked where rn <= 2 order by team_id, owner_id, peer_id, rn"
            )))
            .bind(owners_json(owners)?)
            .fetch_all(ex).await
        })?;
        let json = owners_json(owners)?;
        let offers: Vec<OfferRow> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select f.team_id, f.owner_id, f.peer_id, f.offer_id, f.what_enc, f.made_on \
             from {OWNERS} join offer f on f.team_id = {TEAM_OF} and f.owner_id = {USER_OF} \
             where f.status = 'open' order by f.made_on, f.offer_id"
            )))
            .bind(&json)
            .fetch_all(ex)
            .await)?;
        let milestones: Vec<MilestoneRow> =
            db!(&self.pool, |ex| q::query_as(sqlx::AssertSqlSafe(format!(
                "select m.team_id, m.owner_id, m.peer_id, m.due_on, m.what_enc \
             from {OWNERS} join milestone m on m.team_id = {TEAM_OF} and m.owner_id = {USER_OF} \
             where m.ended_at is null order by m.milestone_id"
            )))
            .bind(&json)
            .fetch_all(ex)
            .await)?;
        let mut out: HashMap<Owner, HashMap<UserId, CheckinSignals>> = HashMap::new();
        let peer_id =
            |p: &str| UserId::parse(p).ok_or_else(|| StoreError::Corrupt("signal peer".into()));
        for (t, u, p, id, what, made_on) in offers {
            let what = self.cipher.open(&what)?;
            out.entry(owner(&t, &u)?)
                .or_default()
                .entry(peer_id(&p)?)
                .or_default()
                .offers
                .push(Offer { id, what, made_on });
        }
        for (t, u, p, due_on, what) in milestones {
            let what = self.cipher.open(&what)?;
            out.entry(owner(&t, &u)?)
                .or_default()
                .entry(peer_id(&p)?)
                .or_default()
                .milestone = Some(Milestone { due_on, what });
        }
        let mut syncs: HashMap<(Owner, UserId), Vec<i64>> = HashMap::new();
        for (t, u, peer, sync, _rn) in rows {
            let o = owner(&t, &u)?;
            let peer =
                UserId::parse(&peer).ok_or_else(|| StoreError::Corrupt("checkin peer".into()))?;
            syncs.entry((o, peer)).or_default().push(sync);
        }
        for ((o, peer), s) in syncs {
            if s.len() == 2 && s.iter().all(|x| *x == 1) {
                out.entry(o).or_default().entry(peer).or_default().drifting = true;
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
        super::retrying(|| async {
            let mut tx = self.pool.begin_write().await?;
            let mut ids = Vec::with_capacity(claims.len());
            for c in claims {
                ids.push(super::deliveries::claim_tx(self, &mut tx, c, now, lease_until).await?);
            }
            tx.commit().await?;
            Ok(ids)
        })
        .await
    }

    /// Moves many owners' nudge times in one transaction.
    pub async fn set_nudges_many(
        &self,
        moves: &[(Owner, NudgeMoves)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        if moves.is_empty() {
            return Ok(());
        }
        super::retrying(|| async {
            let mut tx = self.pool.begin_write().await?;
            for (owner, nudges) in moves {
                move_due_nudges(&mut tx, owner, nudges, now).await?;
            }
            tx.commit().await?;
            Ok(())
        })
        .await
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
        let rows: Vec<(String, String)> = db!(&self.pool, |ex| q::query_as(
            "select team_id, owner_id from peer where nudge_at <= ? \
             and (team_id > ? or (team_id = ? and owner_id > ?)) \
             group by team_id, owner_id order by team_id, owner_id limit ?",
        )
        .bind(instant(now))
        .bind(t)
        .bind(t)
        .bind(u)
        .bind(limit)
        .fetch_all(ex)
        .await)?;
        rows.iter().map(|(t, u)| owner(t, u)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Cadence, CheckinEntry};
    use crate::store::test_store as store;

    fn owner_of(team: &str, user: &str) -> Owner {
        Owner::new(TeamId::parse(team).unwrap(), UserId::parse(user).unwrap())
    }

    fn peer(id: &str) -> Peer {
        Peer {
            peer: UserId::parse(id).unwrap(),
            reason: Some(format!("reason for {id}")),
            cadence: Cadence::Weeks(1),
            added_on: "2026-11-01".parse().unwrap(),
            last_contact: None,
            snoozed_until: None,
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    /// The batched reads return exactly what the per-owner reads do, for every owner in the
    /// batch and nobody else's rows.
    #[tokio::test]
    async fn a_batch_reads_the_same_rows_as_one_owner_at_a_time() {
        let (_dir, s) = store().await;
        let now = at("2026-11-20T10:00:00Z");
        let (a, b, other) = (
            owner_of("T1", "UA"),
            owner_of("T2", "UA"),
            owner_of("T1", "UZ"),
        );
        for (o, peers) in [
            (&a, ["U1", "U2"]),
            (&b, ["U3", "U4"]),
            (&other, ["U5", "U6"]),
        ] {
            s.ensure_profile(o, now).await.unwrap();
            for p in peers {
                s.add_peer(o, &peer(p), now, now).await.unwrap();
            }
        }
        let batch = s.due_batch(&[a.clone(), b.clone()]).await.unwrap();
        assert_eq!(batch.profiles.len(), 2);
        assert!(!batch.profiles.contains_key(&other));
        for o in [&a, &b] {
            let (peers, times): (Vec<Peer>, Vec<_>) = batch.peers[o].iter().cloned().unzip();
            assert_eq!(peers, s.peers_of(o).await.unwrap());
            assert!(times.iter().all(|t| *t == now));
            assert_eq!(batch.profiles[o], s.profile(o).await.unwrap().unwrap());
        }
        assert!(batch.with_headsups.is_empty());
        assert!(s.due_batch(&[]).await.unwrap().peers.is_empty());
    }

    /// Single-peer lookups, batched or alone, return the row as stored (reason decrypted) and
    /// nothing for a peer on someone else's map.
    #[tokio::test]
    async fn looking_up_peers_concurrently_returns_each_its_own_row() {
        let (_dir, s) = store().await;
        let now = at("2026-11-20T10:00:00Z");
        let (a, b) = (owner_of("T1", "UA"), owner_of("T1", "UB"));
        s.add_peer(&a, &peer("U1"), now, now).await.unwrap();
        s.add_peer(&b, &peer("U2"), now, now).await.unwrap();
        let (u1, u2) = (UserId::parse("U1").unwrap(), UserId::parse("U2").unwrap());
        let (x, y, z) = tokio::join!(s.peer(&a, &u1), s.peer(&b, &u2), s.peer(&a, &u2));
        assert_eq!(x.unwrap(), Some(peer("U1")));
        assert_eq!(y.unwrap(), Some(peer("U2")));
        assert_eq!(z.unwrap(), None, "U2 is on UB's map, not UA's");
    }

    /// Signals read in bulk: drifting after two status syncs in a row, the form's offer open.
    #[tokio::test]
    async fn signals_for_a_batch_match_the_last_two_checkins_of_each_peer() {
        let (_dir, s) = store().await;
        let now = at("2026-11-20T10:00:00Z");
        let a = owner_of("T1", "UA");
        s.add_peer(&a, &peer("U1"), now, now).await.unwrap();
        s.add_peer(&a, &peer("U2"), now, now).await.unwrap();
        for (day, sync, offer) in [
            ("2026-11-10", true, None),
            ("2026-11-17", true, Some("intro to SRE")),
        ] {
            let entry = CheckinEntry {
                held_on: day.parse().unwrap(),
                status_sync: sync,
                offer: offer.map(String::from),
                ..Default::default()
            };
            s.record_checkin(&a, &peer("U1"), now, &entry, now)
                .await
                .unwrap();
        }
        let all = s.signals_for(std::slice::from_ref(&a)).await.unwrap();
        let u1 = &all[&a][&UserId::parse("U1").unwrap()];
        assert!(u1.drifting);
        let offers: Vec<&str> = u1.offers.iter().map(|o| o.what.as_str()).collect();
        assert_eq!(
            offers,
            ["intro to SRE"],
            "a form's offer stays open until closed"
        );
        assert!(!all[&a].contains_key(&UserId::parse("U2").unwrap()));
        let other = owner_of("T1", "UZ");
        assert_eq!(
            all[&a],
            s.signals_for(&[a.clone(), other]).await.unwrap()[&a],
            "the same whichever owners share the batch"
        );
    }

    /// A batch of claims is recorded once: the same keys claimed again all lose.
    #[tokio::test]
    async fn a_batch_of_claims_wins_once() {
        let (_dir, s) = store().await;
        let now = at("2026-11-20T10:00:00Z");
        let owners = [owner_of("T1", "UA"), owner_of("T1", "UB")];
        let claims: Vec<DeliveryClaim> = owners
            .iter()
            .map(|o| DeliveryClaim {
                owner: o,
                kind: "checkin_nudge",
                key: "2026-11-20",
                payload: "{}",
                nudges: &[],
                headsups: &[],
                reviews: None,
            })
            .collect();
        let first = s.claim_deliveries(&claims, now, now).await.unwrap();
        assert!(first.iter().all(Option::is_some));
        let again = s.claim_deliveries(&claims, now, now).await.unwrap();
        assert!(again.iter().all(Option::is_none));
    }

    /// A dry run's paging visits every due owner once, in id order.
    #[tokio::test]
    async fn paging_through_due_owners_visits_each_once() {
        let (_dir, s) = store().await;
        let now = at("2026-11-20T10:00:00Z");
        for u in ["UA", "UB", "UC"] {
            let o = owner_of("T1", u);
            s.add_peer(&o, &peer("U1"), now, now).await.unwrap();
            s.add_peer(&o, &peer("U2"), now, now).await.unwrap();
        }
        let first = s.owners_due_after(now, None, 2).await.unwrap();
        assert_eq!(first, vec![owner_of("T1", "UA"), owner_of("T1", "UB")]);
        let rest = s.owners_due_after(now, first.last(), 2).await.unwrap();
        assert_eq!(rest, vec![owner_of("T1", "UC")]);
        assert!(
            s.owners_due_after(now, rest.last(), 2)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
