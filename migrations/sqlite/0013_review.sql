-- The three-month review (SPEC idea 5). A series of check-ins with a peer runs from `add`
-- (series_from null: added_on) or from the day its last review was answered; once it has run
-- about three months the next nudge asks keep / change cadence / stop instead, and again at
-- most weekly (review_asked_on) until answered.
alter table peer add column series_from text;
alter table peer add column review_asked_on text;

-- Every snooze with the reason given, for the series' history (the peer row keeps only the
-- current one). Snoozes from before this log are carried over without the day they were asked.
create table snooze_log (
    snooze_id   integer primary key,
    team_id     text not null,
    owner_id    text not null,
    peer_id     text not null,
    snoozed_on  text,
    until_on    text not null,
    reason_enc  blob,
    created_at  text not null
);
create index snooze_log_by_owner_peer on snooze_log (team_id, owner_id, peer_id);
insert into snooze_log (team_id, owner_id, peer_id, snoozed_on, until_on, reason_enc, created_at)
    select team_id, owner_id, peer_id, null, snoozed_until, snooze_reason_enc, created_at
    from peer where snoozed_until is not null;

-- Peers already on a map start their first series today: the review arrives three months after
-- it shipped, not all at once on the next nudge.
update peer set series_from = date('now');
