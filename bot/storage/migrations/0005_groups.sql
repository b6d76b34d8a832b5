-- Group meetings, memberships and waitlists, reminders and notices; coordinator broadcasts
-- with an outbox row per recipient. Times are UTC epoch seconds; meeting times are local
-- wall-clock times in the service's time zone (see bot/domain/groups.py).

CREATE TABLE meeting_groups (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    audience    TEXT    NOT NULL CHECK (audience IN ('consumers', 'carers', 'carers_parent',
                                                    'carers_partner', 'carers_sibling',
                                                    'carers_child')),
    format      TEXT    NOT NULL CHECK (format IN ('online', 'in_person')),
    place       TEXT    NOT NULL DEFAULT '',   -- the link (online) or the address (in person)
    kind        TEXT    NOT NULL CHECK (kind IN ('weekly', 'fortnightly', 'monthly', 'once')),
    first_date  TEXT    NOT NULL,              -- YYYY-MM-DD, local
    dates       TEXT    NOT NULL DEFAULT '[]', -- JSON list of YYYY-MM-DD for one-off dates
    minutes     INTEGER NOT NULL,              -- start, minutes past local midnight
    duration    INTEGER NOT NULL,
    facilitator TEXT    NOT NULL DEFAULT '',   -- a display name, never an account
    capacity    INTEGER,                       -- NULL: no limit
    active      INTEGER NOT NULL DEFAULT 1,    -- 0 once retired
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX meeting_groups_active ON meeting_groups (active, audience);

-- One meeting (by its local date) that will not happen.
CREATE TABLE group_cancellations (
    group_id   INTEGER NOT NULL REFERENCES meeting_groups (id) ON DELETE CASCADE,
    occurrence TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, occurrence)
);

-- Members and the waitlist; the waitlist is served in id order.
CREATE TABLE group_members (
    id        INTEGER PRIMARY KEY,
    group_id  INTEGER NOT NULL REFERENCES meeting_groups (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    status    TEXT    NOT NULL CHECK (status IN ('member', 'waiting')),
    joined_at INTEGER NOT NULL,
    UNIQUE (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);
CREATE INDEX group_members_by_status ON group_members (group_id, status, id);

-- Each person's reminder switches (across all their groups).
CREATE TABLE group_prefs (
    user_id     INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    remind_day  INTEGER NOT NULL DEFAULT 1,
    remind_hour INTEGER NOT NULL DEFAULT 1
);

-- Reminders sent and notices to send, one row per person, meeting and kind, so a restart
-- neither loses nor doubles them. kind: day, hour (reminders, written when sent);
-- cancelled, retired, promoted (notices, written with sent_at NULL and sent by the tick).
CREATE TABLE group_deliveries (
    group_id   INTEGER NOT NULL REFERENCES meeting_groups (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    occurrence TEXT    NOT NULL,              -- YYYY-MM-DD, or '' for notices about a group
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    PRIMARY KEY (group_id, user_id, occurrence, kind)
);
CREATE INDEX group_deliveries_unsent ON group_deliveries (sent_at, created_at);
CREATE INDEX group_deliveries_by_user ON group_deliveries (user_id);

-- A coordinator's announcement, and one outbox row per recipient written before sending.
CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    audience            TEXT    NOT NULL,  -- group, carers, consumers, peers
    group_id            INTEGER REFERENCES meeting_groups (id) ON DELETE SET NULL,
    text                TEXT    NOT NULL DEFAULT '',
    photo               TEXT,               -- Telegram file_id of an optional photo
    status              TEXT    NOT NULL CHECK (status IN ('sending', 'cancelled', 'done')),
    total               INTEGER NOT NULL,
    progress_message_id INTEGER,
    progress_at         INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    finished_at         INTEGER
);
CREATE INDEX broadcasts_by_status ON broadcasts (status);
CREATE INDEX broadcasts_by_creator ON broadcasts (created_by);

-- status: pending -> sending (claimed) -> delivered | blocked | failed; pending -> not_sent
-- when the coordinator cancels. A row left in 'sending' by a crash goes back to pending.
CREATE TABLE broadcast_outbox (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'delivered', 'blocked', 'failed',
                                   'not_sent')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, user_id)
);
CREATE INDEX broadcast_outbox_next ON broadcast_outbox (broadcast_id, status, seq);
CREATE INDEX broadcast_outbox_by_user ON broadcast_outbox (user_id);
