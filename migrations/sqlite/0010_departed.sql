-- A peer who left the workspace (Slack's user_change with deleted: true) leaves every map: the
-- row moves here, so they are never nudged about again, and stays read-only for `/peer map all`
-- and export. `tell_at` is when the owner is next to be told (once, inside working hours); null
-- once told.
create table departed_peer (
    team_id          text not null,
    owner_id         text not null,
    peer_id          text not null,
    reason_enc       blob,
    cadence          text not null,
    added_on         text not null,
    last_contact_on  text,
    snoozed_until    text,
    departed_at      text not null,
    tell_at          text,
    primary key (team_id, owner_id, peer_id)
);
create index departed_peer_by_tell_at on departed_peer (tell_at) where tell_at is not null;
