-- Sideways schema, version 1.
--
-- Conventions (kept portable to Postgres; only the store layer and this folder would change):
-- * every row of user data carries team_id, and private rows also the owner's user id;
-- * instants are UTC, written by the store as RFC 3339 text truncated to whole seconds
--   ("2026-11-23T09:00:00+00:00"), so text order is time order; dates are "YYYY-MM-DD" in the
--   owner's own calendar;
-- * private free text is encrypted by the application (XChaCha20-Poly1305) before it gets here:
--   columns ending in _enc hold ciphertext, never plain text.
-- Applied migrations are hash-checked by sqlx: never edit this file, add 0002_… instead.

-- A workspace the bot serves. A row even when the token comes from SLACK_BOT_TOKEN
-- (source = 'env'), so an OAuth install later adds rows instead of changing the design.
create table installation (
    team_id        text primary key,
    bot_token_enc  blob not null,
    source         text not null check (source in ('env', 'oauth')),
    installed_at   text not null
);

-- A Sideways user's delivery preferences. tz is an IANA name: from users.info (tz_source
-- 'slack', fetched once and cached) or set by the user (tz_source 'user', never overwritten).
create table user_profile (
    team_id        text not null,
    user_id        text not null,
    tz             text,
    tz_source      text check (tz_source in ('slack', 'user')),
    tz_checked_at  text,
    work_start     integer not null default 9,
    work_end       integer not null default 17,
    work_days      integer not null default 31,   -- bit 0 = Monday … bit 6 = Sunday
    created_at     text not null,
    primary key (team_id, user_id)
);

-- A peer on an owner's map. nudge_at is derived (domain::nudge_at) and stored only so the
-- scheduler can find what is due through an index instead of reading every row.
create table peer (
    team_id          text not null,
    owner_id         text not null,
    peer_id          text not null,
    reason_enc       blob,
    cadence          text not null,
    added_on         text not null,
    last_contact_on  text,
    snoozed_until    text,
    nudge_at         text not null,
    created_at       text not null,
    primary key (team_id, owner_id, peer_id)
);
create index peer_by_nudge_at on peer (nudge_at, team_id, owner_id);

-- A contact that happened: a full check-in or a coffee. Kept when a peer leaves the map.
create table checkin (
    checkin_id  integer primary key,
    team_id     text not null,
    owner_id    text not null,
    peer_id     text not null,
    held_on     text not null,
    kind        text not null check (kind in ('checkin', 'coffee')),
    notes_enc   blob,
    created_at  text not null
);
create index checkin_by_owner_peer on checkin (team_id, owner_id, peer_id, held_on);

-- Every scheduled message, written before it is sent. The unique key (user, kind, key) is what
-- makes a restart or two overlapping passes unable to send it twice; status and next_attempt_at
-- are what make a failed send retried instead of dropped.
create table delivery (
    delivery_id      integer primary key,
    team_id          text not null,
    user_id          text not null,
    kind             text not null,
    dedupe_key       text not null,
    payload_enc      blob not null,
    status           text not null check (status in ('pending', 'sending', 'sent', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  text not null,
    last_error       text,
    created_at       text not null,
    sent_at          text,
    unique (team_id, user_id, kind, dedupe_key)
);
create index delivery_by_status on delivery (status, next_attempt_at);
