-- Core tables: people, invites, evaluation counters, conversation state.
-- Times are UTC epoch seconds (INTEGER) so due-time indexes stay cheap and portable.

CREATE TABLE users (
    user_id      INTEGER PRIMARY KEY,   -- Telegram user id, also their private chat id
    consent      TEXT    NOT NULL CHECK (consent IN ('given', 'refused')),
    consent_at   INTEGER NOT NULL,
    role         TEXT,                  -- consumer, carer, consumer_peer, carer_peer, coordinator, clinician
    relationship TEXT,                  -- carers only: parent, partner, sibling, child, friend, other
    region       TEXT,
    timezone     TEXT,
    alias        TEXT,                  -- the first name or nickname they chose
    active       INTEGER NOT NULL DEFAULT 1,  -- 0 once they block the bot
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX users_by_role ON users (role, active);

CREATE TABLE invites (
    code_hash  TEXT PRIMARY KEY,        -- sha256 of the code; the code itself is never stored
    role       TEXT    NOT NULL,
    created_by INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by    INTEGER REFERENCES users (user_id) ON DELETE CASCADE,
    used_at    INTEGER
);

-- Evaluation counts (DESIGN rule 9): numbers only, never people or text.
CREATE TABLE counters (
    day    TEXT    NOT NULL,            -- YYYY-MM-DD in the service's time zone
    name   TEXT    NOT NULL,
    region TEXT    NOT NULL DEFAULT '',
    value  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, name, region)
);

-- Where each person is in each conversation, written on every change.
CREATE TABLE conversation_states (
    name    TEXT    NOT NULL,
    key     TEXT    NOT NULL,           -- JSON of PTB's conversation key
    user_id INTEGER,
    state   TEXT    NOT NULL,           -- JSON
    PRIMARY KEY (name, key)
);
CREATE INDEX conversation_states_by_user ON conversation_states (user_id);

-- Drafts kept between steps of a flow (PTB user_data), written on every change.
CREATE TABLE user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT    NOT NULL
);
