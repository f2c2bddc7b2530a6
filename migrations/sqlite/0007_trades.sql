-- The ledger (SPEC idea 6): what the owner gave a peer's team and got from it, in goods, with a
-- "back by" date for capacity lent or borrowed (a loan). Private to its owner; the text is sealed.
create table trade (
    trade_id    integer primary key,
    team_id     text not null,
    owner_id    text not null,
    number      integer not null,               -- the owner's short id: 1, 2, …
    peer_id     text not null,
    direction   text not null check (direction in ('gave', 'got')),
    good        text not null check (good in ('sequencing', 'capacity', 'risk', 'credit', 'info')),
    text_enc    blob not null,
    held_on     text not null,                  -- the owner's local date it was recorded
    back_by     text,                           -- a loan's due date (capacity only)
    status      text not null default 'open' check (status in ('open', 'returned', 'written_off')),
    created_at  text not null,
    unique (team_id, owner_id, number)
);
create index trade_by_owner_peer on trade (team_id, owner_id, peer_id, held_on);
