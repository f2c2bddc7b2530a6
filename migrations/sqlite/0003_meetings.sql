-- Leadership meetings, credits for absent peers, published context (SPEC §8–9).

-- A recurring leadership meeting whose channel gets a digest `lead_minutes` before each
-- occurrence. Occurrences are local wall times in `tz` (the adder's zone); the wall time is the
-- occurrence's identity, so daylight-saving changes neither double nor drop a digest.
create table meeting (
    meeting_id       integer primary key,
    team_id          text not null,
    number           integer not null,          -- the workspace's short id: 1, 2, …
    channel_id       text not null,
    name             text,
    schedule         text not null,             -- as the user wrote it (whitespace normalised)
    anchor           text not null,             -- local wall time it was read from (fixes "every other week")
    tz               text not null,
    lead_minutes     integer not null,
    added_by         text not null,
    created_at       text not null,
    next_occurrence  text not null,             -- local wall time (YYYY-MM-DDTHH:MM) of the next meeting
    digest_at        text not null,             -- UTC instant its digest is due
    last_digest_at   text,                      -- when the previous digest was recorded: credits since
    unique (team_id, number)
);
create index meeting_by_digest_at on meeting (digest_at);

-- `/peer credit`: shown to its author, then to the digest channels that name it.
create table credit (
    credit_id   integer primary key,
    team_id     text not null,
    author_id   text not null,
    peer_id     text not null,
    what_enc    blob not null,                  -- sealed at rest like all free text
    created_at  text not null
);
create index credit_by_time on credit (team_id, created_at);

-- `/peer context set`: a user's published constraints, readable by the whole workspace.
create table context (
    team_id     text not null,
    user_id     text not null,
    text_enc    blob not null,
    set_at      text not null,
    stale_at    text,                           -- when to ask the owner to refresh it; null once asked
    primary key (team_id, user_id)
);
create index context_by_stale_at on context (stale_at);
