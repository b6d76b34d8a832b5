-- Check-ins people schedule for themselves (issue: check-ins).
-- One schedule row per person; one periodic job reads due rows through checkin_schedules_due,
-- so nothing is kept per person in memory and a restart recomputes from next_due.

CREATE TABLE checkin_schedules (
    user_id      INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    days         INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),  -- bit 0 = Monday
    minute       INTEGER NOT NULL CHECK (minute BETWEEN 0 AND 1439), -- local wall-clock time
    paused       INTEGER NOT NULL DEFAULT 0,
    next_due     INTEGER,              -- UTC epoch seconds; NULL while paused
    share_weekly INTEGER NOT NULL DEFAULT 0,  -- ratings to their peer worker each week (opt-in)
    share_due    INTEGER,              -- next weekly summary; NULL when not sharing
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX checkin_schedules_due ON checkin_schedules (next_due);
CREATE INDEX checkin_schedules_share_due ON checkin_schedules (share_due);

CREATE TABLE checkins (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    due_at      INTEGER NOT NULL,      -- when it was due (or asked for)
    sent_at     INTEGER NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'unanswered'
                CHECK (status IN ('unanswered', 'answered')),
    rating      INTEGER CHECK (rating BETWEEN 1 AND 5),
    feelings    TEXT    NOT NULL DEFAULT '',  -- comma-separated keys from a fixed list
    skills      TEXT    NOT NULL DEFAULT '',  -- comma-separated keys from a fixed list
    note        BLOB,                  -- Fernet ciphertext of their own note, never plain text
    answered_at INTEGER
);
CREATE INDEX checkins_by_user ON checkins (user_id, due_at);
