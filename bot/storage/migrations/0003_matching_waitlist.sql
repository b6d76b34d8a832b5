-- Matching (issue 4): what a person last asked for, and the waitlist.

-- The preferences a person stated at /match (and the language/culture options they were
-- shown), kept so a shortlist can be rebuilt after a decline, a timeout or a restart.
CREATE TABLE match_preferences (
    person_id   INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    preferences TEXT    NOT NULL DEFAULT '{}',   -- JSON {question: value}
    options     TEXT    NOT NULL DEFAULT '{}',   -- JSON {question: [values shown]}
    updated_at  INTEGER NOT NULL
);

-- People waiting for a free peer worker, offered a shortlist in the order they joined.
-- An offer holds one place with HELD_PEER_ID until HELD_UNTIL, so when one place frees only
-- the first person in line is offered it.
CREATE TABLE match_waitlist (
    person_id    INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    joined_at    INTEGER NOT NULL,
    offered_at   INTEGER,
    held_peer_id INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    held_until   INTEGER
);
CREATE INDEX match_waitlist_order ON match_waitlist (joined_at, person_id);
CREATE INDEX match_waitlist_holds ON match_waitlist (held_until);

-- When a person last used "let my peer worker know I'm struggling", so a second tap within
-- the hour doesn't send the peer worker a second notice.
CREATE TABLE match_notices (
    match_id        INTEGER PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    last_struggle_at INTEGER NOT NULL
);
