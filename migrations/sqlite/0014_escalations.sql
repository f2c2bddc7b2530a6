-- The joint escalation (SPEC idea 14): one document, two authors. `number` is its number in
-- the workspace (both authors name it by that). Each edit bumps `version`; an approval is the
-- version an author approved, so an edit withdraws earlier approvals. It is delivered through
-- the outbox (kind 'escalation') in the same transaction that records the second approval.
create table escalation (
    escalation_id  integer primary key,
    team_id        text not null,
    number         integer not null,
    initiator_id   text not null,
    peer_id        text not null,
    topic_enc      blob not null,
    ask_enc        blob,
    dest_kind      text check (dest_kind in ('user', 'channel')),
    dest_id        text,
    version        integer not null default 1,
    state          text not null default 'open' check (state in ('open', 'sent', 'withdrawn')),
    created_at     text not null,
    closed_at      text,
    unique (team_id, number)
);
create index escalation_by_initiator on escalation (team_id, initiator_id);
create index escalation_by_peer on escalation (team_id, peer_id);

-- One author's position: what they are trying to achieve, what happens to their team if they
-- give way, what was tried; sealed. Deleted with its document.
create table escalation_side (
    escalation_id     integer not null references escalation (escalation_id) on delete cascade,
    team_id           text not null,
    author_id         text not null,
    goal_enc          blob,
    cost_enc          blob,
    tried_enc         blob,
    approved_version  integer,
    updated_at        text not null,
    primary key (escalation_id, author_id)
);
