-- Memory about the people on your map (SPEC §2, §3, §4): notes about the person, offers you made
-- them (open until you close them) and a dependency milestone. All free text is sealed (_enc).

-- A private note about a peer as a person (kids' names, hobbies, what they care about). Deleted
-- only by its owner; note_id is what `/peer notes` shows and `/peer note @user delete <id>` takes.
create table note (
    note_id     integer primary key,
    team_id     text not null,
    owner_id    text not null,
    peer_id     text not null,
    text_enc    blob not null,
    created_at  text not null
);
create index note_by_owner_peer on note (team_id, owner_id, peer_id, created_at);

-- Something I offered a peer ("one cheap thing I could do"), from the check-in form or
-- `/peer offered`. It stays open until I mark it done or drop it: a closed offer never comes
-- back in prep, nudges or App Home, but is kept for history.
create table offer (
    offer_id    integer primary key,
    team_id     text not null,
    owner_id    text not null,
    peer_id     text not null,
    what_enc    blob not null,
    made_on     text not null,
    status      text not null default 'open' check (status in ('open', 'done', 'dropped')),
    closed_at   text,
    created_at  text not null
);
create index offer_by_owner_peer on offer (team_id, owner_id, peer_id, status);

-- Until now an offer was the one made at the latest check-in, open until the next one: those
-- become open offers (the same sealed text, the same key). Older ones had lapsed by that rule
-- and stay in checkin.offer_enc as history only.
insert into offer (team_id, owner_id, peer_id, what_enc, made_on, status, created_at)
select team_id, owner_id, peer_id, offer_enc, held_on, 'open', created_at from (
    select c.*, row_number() over (partition by team_id, owner_id, peer_id
        order by held_on desc, checkin_id desc) as rn
    from checkin c
) latest
where rn = 1 and offer_enc is not null;

-- A dependency milestone of a peer ("their platform cut-over, 2027-03-01"). Setting a new one or
-- `clear` ends the current one (ended_at) instead of deleting it; one past its date is kept as
-- history and no longer shown. The current one is the latest row with ended_at null.
create table milestone (
    milestone_id  integer primary key,
    team_id       text not null,
    owner_id      text not null,
    peer_id       text not null,
    due_on        text not null,
    what_enc      blob not null,
    set_at        text not null,
    ended_at      text
);
create index milestone_by_owner_peer on milestone (team_id, owner_id, peer_id, ended_at);
