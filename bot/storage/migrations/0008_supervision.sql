-- Peer workers' supervision requests (DESIGN rule 6): they reach a coordinator.

CREATE TABLE supervision_requests (
    id          INTEGER PRIMARY KEY,
    peer_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    urgency     TEXT    NOT NULL CHECK (urgency IN ('today', 'week', 'whenever')),
    note        BLOB,                 -- what it is about, encrypted; NULL when skipped
    created_at  INTEGER NOT NULL,
    taken_by    INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    taken_at    INTEGER
);
CREATE INDEX supervision_open ON supervision_requests (taken_at, created_at);
