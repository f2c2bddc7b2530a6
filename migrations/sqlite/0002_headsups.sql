-- Heads-ups: "tell them before the room" (SPEC §7).
-- A heads-up is private to its owner until the room: nothing here is ever shown to anyone else.

create table headsup (
    headsup_id  integer primary key,
    team_id     text not null,
    owner_id    text not null,
    number      integer not null,                -- the owner's own short id: #1, #2, …
    what_enc    blob not null,                   -- sealed: the news itself
    room_at     text not null,                   -- UTC instant the room hears it
    armed_at    text not null,                   -- created, or last moved: stages already past are skipped
    stage       text not null default 'none'     -- last reminder stage done (domain::Stage)
                check (stage in ('none', '3d', '1d', '2h', 'after')),
    status      text not null default 'open' check (status in ('open', 'done', 'cancelled')),
    next_at     text not null,                   -- when the scheduler looks at it next (derived)
    created_at  text not null,
    unique (team_id, owner_id, number)
);
create index headsup_by_next_at on headsup (status, next_at);

-- The peers a heads-up names, and whether each was told (and, after the room, heard it first).
create table headsup_peer (
    headsup_id   integer not null references headsup (headsup_id) on delete cascade,
    peer_id      text not null,
    told_at      text,
    heard_first  integer check (heard_first in (0, 1)),
    primary key (headsup_id, peer_id)
);
