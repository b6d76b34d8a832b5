-- Groups: whether members may see who else is coming, each member's answer for a meeting
-- (I'll be there / Can't make it), and the counts kept once a meeting has started, for the
-- service's evaluation (counts only: nobody's name or id).
-- Broadcasts: an announcement is the service's, so it outlives its author's erasure (the
-- author's id becomes NULL), and records which coordinator stopped it.

ALTER TABLE meeting_groups ADD COLUMN members_visible INTEGER NOT NULL DEFAULT 0;

-- One answer per member and meeting (by its local date); changed until the meeting starts,
-- then counted into group_attendance and forgotten.
CREATE TABLE group_rsvps (
    group_id    INTEGER NOT NULL REFERENCES meeting_groups (id) ON DELETE CASCADE,
    occurrence  TEXT    NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    answer      TEXT    NOT NULL CHECK (answer IN ('yes', 'no')),
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, occurrence, user_id)
);
CREATE INDEX group_rsvps_by_user ON group_rsvps (user_id);

-- A meeting that went ahead (it started and was not cancelled), counted when it started:
-- members then, how many had said yes, how many no, and how many gave no answer.
CREATE TABLE group_attendance (
    group_id    INTEGER NOT NULL REFERENCES meeting_groups (id) ON DELETE CASCADE,
    occurrence  TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,
    members     INTEGER NOT NULL,
    said_yes    INTEGER NOT NULL,
    said_no     INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, occurrence)
);
CREATE INDEX group_attendance_by_start ON group_attendance (starts_at);

-- Broadcasts again, with created_by and stopped_by set to NULL when that person is erased
-- (SQLite changes a foreign key only by rebuilding the table). The new tables are built
-- under other names first: dropping the old `broadcasts` deletes its rows, and with
-- foreign keys on that delete would cascade into any outbox table that names it.
CREATE TABLE broadcasts_v2 (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    audience            TEXT    NOT NULL,  -- group, carers, consumers, peers
    group_id            INTEGER REFERENCES meeting_groups (id) ON DELETE SET NULL,
    text                TEXT    NOT NULL DEFAULT '',
    photo               TEXT,               -- Telegram file_id of an optional photo
    status              TEXT    NOT NULL CHECK (status IN ('sending', 'cancelled', 'done')),
    total               INTEGER NOT NULL,
    progress_message_id INTEGER,
    progress_at         INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    finished_at         INTEGER,
    stopped_by          INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    stopped_at          INTEGER
);
INSERT INTO broadcasts_v2 (id, created_by, audience, group_id, text, photo, status, total,
                           progress_message_id, progress_at, created_at, finished_at)
    SELECT id, created_by, audience, group_id, text, photo, status, total,
           progress_message_id, progress_at, created_at, finished_at FROM broadcasts;

CREATE TABLE broadcast_outbox_v2 (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts_v2 (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'delivered', 'blocked', 'failed',
                                   'not_sent')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (broadcast_id, user_id)
);
INSERT INTO broadcast_outbox_v2 (broadcast_id, user_id, seq, status, attempts, updated_at)
    SELECT broadcast_id, user_id, seq, status, attempts, updated_at FROM broadcast_outbox;

DROP TABLE broadcast_outbox;
DROP TABLE broadcasts;
-- Renaming rewrites broadcast_outbox_v2's reference to the new name as well.
ALTER TABLE broadcasts_v2 RENAME TO broadcasts;
ALTER TABLE broadcast_outbox_v2 RENAME TO broadcast_outbox;
CREATE INDEX broadcasts_by_status ON broadcasts (status);
CREATE INDEX broadcasts_by_creator ON broadcasts (created_by);
CREATE INDEX broadcasts_by_stopper ON broadcasts (stopped_by);
CREATE INDEX broadcast_outbox_next ON broadcast_outbox (broadcast_id, status, seq);
CREATE INDEX broadcast_outbox_by_user ON broadcast_outbox (user_id);
