-- Leaving: `/peer forget` asks first. A confirmation is valid once, for the user who asked, until
-- expires_at (10 minutes); target is a peer's user id or 'me'. It is the asker's own row, so
-- `/peer forget me` deletes it too.
create table forget_request (
    team_id     text not null,
    user_id     text not null,
    token       text not null,
    target      text not null,
    expires_at  text not null,
    created_at  text not null,
    primary key (team_id, token)
);
