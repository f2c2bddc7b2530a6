-- Interactivity (buttons, the check-in form, App Home) and the Events API.

-- The check-in form's agenda (SPEC §3), sealed like notes: their top constraint, what their boss
-- is pressing on, what is on fire (as sealed JSON), and the one cheap thing I offered, which stays
-- an open offer until the next check-in.
alter table checkin add column agenda_enc blob;
alter table checkin add column offer_enc blob;
alter table checkin add column status_sync integer not null default 0 check (status_sync in (0, 1));

-- Where a sent message landed, so a button on it can update it; `done` maps the message's
-- per-peer blocks already acted on to what was done (JSON), so a second tap changes nothing.
alter table delivery add column channel_id text;
alter table delivery add column message_ts text;
alter table delivery add column done text;
create index delivery_by_message on delivery (team_id, user_id, channel_id, message_ts);

-- Events and form submissions already handled (Slack retries, duplicate event ids).
create table slack_seen (
    team_id  text not null,
    key      text not null,
    seen_at  text not null,
    primary key (team_id, key)
);

-- A workspace that uninstalled the app or revoked its token: nothing is sent there any more.
alter table installation add column revoked_at text;

-- Users Slack reported as deactivated (user_change), kept for telling their peers' owners later.
create table departed_user (
    team_id   text not null,
    user_id   text not null,
    noted_at  text not null,
    primary key (team_id, user_id)
);

-- Why a peer was snoozed (from the snooze form), kept for the series' history; sealed.
alter table peer add column snooze_reason_enc blob;
