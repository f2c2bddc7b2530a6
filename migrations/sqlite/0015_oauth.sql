-- OAuth v2 installs for many workspaces (issue 14). An installation now records who installed
-- it, its bot user and scopes, its enterprise (Grid) id, and, with token rotation, a sealed
-- refresh token and when the bot token expires. `refreshing_until` is a lease: one process
-- refreshes a token at a time.
alter table installation add column enterprise_id text;
alter table installation add column bot_user_id text;
alter table installation add column scopes text;
alter table installation add column installer_id text;
alter table installation add column refresh_token_enc blob;
alter table installation add column expires_at text;
alter table installation add column refreshing_until text;

-- The nonces of install links already used (`GET /slack/oauth_redirect`): a link works once,
-- until it expires (its expiry is signed into it). Only a hash is kept, and only until then.
create table oauth_state (
    nonce_hash  text primary key,
    expires_at  text not null
);
