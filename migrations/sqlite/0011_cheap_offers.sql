-- What is cheap for the owner's team to give right now (SPEC idea 13: the asymmetric trade),
-- and which suggestions were already made: once per offer and context version.
create table cheap_offer (
    team_id     text not null,
    owner_id    text not null,
    number      integer not null,
    what_enc    blob not null,
    created_at  text not null,
    primary key (team_id, owner_id, number)
);
create table offer_suggestion (
    team_id         text not null,
    owner_id        text not null,
    number          integer not null,
    peer_id         text not null,
    context_set_at  text not null,
    shown_at        text not null,
    primary key (team_id, owner_id, number, peer_id, context_set_at)
);
