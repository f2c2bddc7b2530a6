//! What an owner remembers about a peer: notes about the person, offers made to them (open until
//! done or dropped), their dependency milestone, and the check-ins prep shows. Every text is
//! sealed; every query is scoped by team and owner.

use super::sql::db;
use super::{Result, Store, StoreError, instant};
use crate::domain::{Agenda, Milestone, Note, Owner, PastCheckin, UserId};
use chrono::{DateTime, NaiveDate, Utc};

/// What closing an offer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferClosed {
    /// It was open and is now closed: whom it was for and what it was.
    Closed { peer: UserId, what: String },
    /// It was already done or dropped (the status it has).
    Already { peer: UserId, status: String },
    /// No such offer of this owner.
    Unknown,
}

type CheckinRow = (
    NaiveDate,
    String,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    i64,
);

impl Store {
    /// Keeps a note about `peer`; returns its id.
    pub async fn add_note(
        &self,
        owner: &Owner,
        peer: &UserId,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id: (i64,) = db!(&self.pool, |ex| q::query_as(
            "insert into note (team_id, owner_id, peer_id, text_enc, created_at) \
             values (?, ?, ?, ?, ?) returning note_id",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .bind(self.cipher.seal(text))
        .bind(instant(now))
        .fetch_one(ex)
        .await)?;
        Ok(id.0)
    }

    /// The owner's notes about `peer`, newest first.
    pub async fn notes(&self, owner: &Owner, peer: &UserId) -> Result<Vec<Note>> {
        let rows: Vec<(i64, Vec<u8>, DateTime<Utc>)> = db!(&self.pool, |ex| q::query_as(
            "select note_id, text_enc, created_at from note \
             where team_id = ? and owner_id = ? and peer_id = ? \
             order by created_at desc, note_id desc",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .fetch_all(ex)
        .await)?;
        rows.into_iter()
            .map(|(id, text, at)| -> Result<Note> {
                Ok(Note {
                    id,
                    text: self.cipher.open(&text)?,
                    at,
                })
            })
            .collect()
    }

    /// Deletes one of the owner's notes about `peer`; false when there is no such note.
    pub async fn delete_note(&self, owner: &Owner, peer: &UserId, id: i64) -> Result<bool> {
        let done = db!(&self.pool, |ex| {
            q::query(
            "delete from note where note_id = ? and team_id = ? and owner_id = ? and peer_id = ?",
        )
        .bind(id)
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .execute(ex).await.map(|r| r.rows_affected())
        })?;
        Ok(done == 1)
    }

    /// Records an open offer to `peer`; returns its id.
    pub async fn add_offer(
        &self,
        owner: &Owner,
        peer: &UserId,
        what: &str,
        made_on: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id: (i64,) = db!(&self.pool, |ex| {
            q::query_as(
            "insert into offer (team_id, owner_id, peer_id, what_enc, made_on, status, created_at) \
             values (?, ?, ?, ?, ?, 'open', ?) returning offer_id",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .bind(self.cipher.seal(what))
        .bind(made_on)
        .bind(instant(now))
        .fetch_one(ex).await
        })?;
        Ok(id.0)
    }

    /// Marks one of the owner's open offers `done` or `dropped`.
    pub async fn close_offer(
        &self,
        owner: &Owner,
        id: i64,
        done: bool,
        now: DateTime<Utc>,
    ) -> Result<OfferClosed> {
        let status = if done { "done" } else { "dropped" };
        let closed: Option<(String, Vec<u8>)> = db!(&self.pool, |ex| q::query_as(
            "update offer set status = ?, closed_at = ? \
             where offer_id = ? and team_id = ? and owner_id = ? and status = 'open' \
             returning peer_id, what_enc",
        )
        .bind(status)
        .bind(instant(now))
        .bind(id)
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_optional(ex)
        .await)?;
        let peer =
            |p: &str| UserId::parse(p).ok_or_else(|| StoreError::Corrupt("offer peer".into()));
        if let Some((p, what)) = closed {
            return Ok(OfferClosed::Closed {
                peer: peer(&p)?,
                what: self.cipher.open(&what)?,
            });
        }
        let was: Option<(String, String)> = db!(&self.pool, |ex| {
            q::query_as(
            "select peer_id, status from offer where offer_id = ? and team_id = ? and owner_id = ?",
        )
        .bind(id)
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .fetch_optional(ex).await
        })?;
        Ok(match was {
            Some((p, status)) => OfferClosed::Already {
                peer: peer(&p)?,
                status,
            },
            None => OfferClosed::Unknown,
        })
    }

    /// Sets `peer`'s milestone, ending any current one (kept as history).
    pub async fn set_milestone(
        &self,
        owner: &Owner,
        peer: &UserId,
        m: &Milestone,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool.begin_write().await?;
        db!(&mut tx, |ex| q::query(
            "update milestone set ended_at = ? \
             where team_id = ? and owner_id = ? and peer_id = ? and ended_at is null",
        )
        .bind(instant(now))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        db!(&mut tx, |ex| q::query(
            "insert into milestone (team_id, owner_id, peer_id, due_on, what_enc, set_at) \
             values (?, ?, ?, ?, ?, ?)",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .bind(m.due_on)
        .bind(self.cipher.seal(&m.what))
        .bind(instant(now))
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends `peer`'s current milestone; false when there was none.
    pub async fn clear_milestone(
        &self,
        owner: &Owner,
        peer: &UserId,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let done = db!(&self.pool, |ex| q::query(
            "update milestone set ended_at = ? \
             where team_id = ? and owner_id = ? and peer_id = ? and ended_at is null",
        )
        .bind(instant(now))
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .execute(ex)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(done > 0)
    }

    /// The day of the last coffee (a check-in explicitly not about work) with `peer`.
    pub async fn last_coffee(&self, owner: &Owner, peer: &UserId) -> Result<Option<NaiveDate>> {
        let row: (Option<NaiveDate>,) = db!(&self.pool, |ex| q::query_as(
            "select max(held_on) from checkin \
             where team_id = ? and owner_id = ? and peer_id = ? and kind = 'coffee'",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .fetch_one(ex)
        .await)?;
        Ok(row.0)
    }

    /// The last `n` check-ins with `peer`, newest first, with their answers.
    pub async fn last_checkins(
        &self,
        owner: &Owner,
        peer: &UserId,
        n: i64,
    ) -> Result<Vec<PastCheckin>> {
        let rows: Vec<CheckinRow> = db!(&self.pool, |ex| q::query_as(
            "select held_on, kind, notes_enc, agenda_enc, offer_enc, status_sync from checkin \
             where team_id = ? and owner_id = ? and peer_id = ? \
             order by held_on desc, checkin_id desc limit ?",
        )
        .bind(owner.team.as_str())
        .bind(owner.user.as_str())
        .bind(peer.as_str())
        .bind(n)
        .fetch_all(ex)
        .await)?;
        rows.into_iter()
            .map(
                |(held_on, kind, notes, agenda, offer, sync)| -> Result<PastCheckin> {
                    let agenda = match self.open_opt(agenda)? {
                        Some(json) => serde_json::from_str::<Agenda>(&json)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                        None => Agenda::default(),
                    };
                    Ok(PastCheckin {
                        held_on,
                        coffee: kind == "coffee",
                        notes: self.open_opt(notes)?,
                        agenda,
                        offer: self.open_opt(offer)?,
                        status_sync: sync == 1,
                    })
                },
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TeamId;

    fn owner(t: &str, u: &str) -> Owner {
        Owner::new(TeamId::parse(t).unwrap(), UserId::parse(u).unwrap())
    }

    #[tokio::test]
    async fn notes_and_offers_are_sealed_and_only_their_owner_reaches_them() {
        let (_dir, store) = crate::store::test_store().await;
        let now = "2026-11-23T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let me = owner("T1", "U1");
        let ana = UserId::parse("U2").unwrap();
        let id = store
            .add_note(&me, &ana, "kids Ada and Linus", now)
            .await
            .unwrap();
        assert!(
            !store
                .delete_note(&owner("T1", "U9"), &ana, id)
                .await
                .unwrap()
        );
        assert!(
            !store
                .delete_note(&owner("T2", "U1"), &ana, id)
                .await
                .unwrap()
        );
        assert_eq!(store.notes(&me, &ana).await.unwrap().len(), 1);
        let offer = store
            .add_offer(&me, &ana, "review the RFC", now.date_naive(), now)
            .await
            .unwrap();
        let other = owner("T2", "U1");
        assert_eq!(
            store.close_offer(&other, offer, true, now).await.unwrap(),
            OfferClosed::Unknown
        );
        assert!(matches!(
            store.close_offer(&me, offer, true, now).await.unwrap(),
            OfferClosed::Closed { .. }
        ));
        assert!(matches!(
            store.close_offer(&me, offer, false, now).await.unwrap(),
            OfferClosed::Already { .. }
        ));
        let raw: Vec<(Vec<u8>,)> = db!(store.pool(), |ex| q::query_as("select text_enc from note")
            .fetch_all(ex)
            .await)
        .unwrap();
        assert!(!String::from_utf8_lossy(&raw[0].0).contains("Ada"));
        assert!(store.delete_note(&me, &ana, id).await.unwrap());
    }
}
