-- Working on something together (SPEC idea 11): a small joint piece of work with a peer, about
-- two weeks by default. At its end both people get one DM inside their own working hours: the
-- owner a look-back (what worked, what to change, keep going?), the peer a short note naming the
-- owner and the topic and nothing else. Private to its owner; the topic is sealed (_enc).
create table together (
    together_id      integer primary key,
    team_id          text not null,
    owner_id         text not null,
    number           integer not null,               -- the owner's short id: 1, 2, …
    peer_id          text not null,
    topic_enc        blob not null,
    weeks            integer not null check (weeks between 1 and 12),
    period           integer not null default 1,     -- 2, 3, … each time the owner keeps going
    started_on       text not null,                  -- the owner's local date the period began
    ends_on          text not null,                  -- the owner's local date it ends
    status           text not null default 'open' check (status in ('open', 'closed')),
    -- When the scheduler next looks at each DM (the period's end, then the start of that
    -- person's next working window); null once it is recorded in the outbox.
    owner_notice_at  text,
    peer_notice_at   text,
    -- The period the peer's pending note is about. The owner may look back (and keep going or
    -- close it) before the peer's own working hours come round: the note about the period that
    -- ended is still sent, once, and the next period's follows at its own end.
    peer_period      integer not null default 1,
    created_at       text not null,
    closed_at        text,
    unique (team_id, owner_id, number)
);
create index together_by_owner_notice on together (owner_notice_at);
create index together_by_peer_notice on together (peer_notice_at);
