-- Where each person is in a multi-step flow, read at the start of every update and written
-- in the same update (one row per person: one open step at a time). The draft holds what
-- they typed so far, encrypted like notes. PTB's in-memory conversation state is not used
-- by flows on route tables, so a restart, or another replica, knows every step.
CREATE TABLE sessions (
    user_id    INTEGER PRIMARY KEY,
    step       TEXT    NOT NULL,       -- 'flow.step', e.g. 'profile.bio'
    draft      BLOB,                   -- encrypted JSON, or NULL
    updated_at INTEGER NOT NULL
);
