-- PostgreSQL twin of ../0016_group_rsvps_and_service_broadcasts.sql (conventions:
-- 0001_core.sql). SQLite rebuilds broadcasts and broadcast_outbox to change a foreign key;
-- PostgreSQL alters broadcasts in place (broadcast_outbox is unchanged by the rebuild).

-- Groups: whether members may see who else is coming, each member's answer for a meeting
-- (I'll be there / Can't make it), and the counts kept once a meeting has started, for the
-- service's evaluation (counts only: nobody's name or id).
-- Broadcasts: an announcement is the service's, so it outlives its author's erasure (the
-- author's id becomes NULL), and records which coordinator stopped it.

ALTER TABLE meeting_groups ADD COLUMN members_visible BIGINT NOT NULL DEFAULT 0;

-- One answer per member and meeting (by its local date); changed until the meeting starts,
-- then counted into group_attendance and forgotten.
CREATE TABLE group_rsvps (
    group_id    BIGINT NOT NULL REFERENCES meeting_groups (id) ON DELETE CASCADE,
    occurrence  TEXT   NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    answer      TEXT   NOT NULL CHECK (answer IN ('yes', 'no')),
    answered_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, occurrence, user_id)
);
CREATE INDEX group_rsvps_by_user ON group_rsvps (user_id);

-- A meeting that went ahead (it started and was not cancelled), counted when it started:
-- members then, how many had said yes, how many no, and how many gave no answer.
CREATE TABLE group_attendance (
    group_id    BIGINT NOT NULL REFERENCES meeting_groups (id) ON DELETE CASCADE,
    occurrence  TEXT   NOT NULL,
    starts_at   BIGINT NOT NULL,
    members     BIGINT NOT NULL,
    said_yes    BIGINT NOT NULL,
    said_no     BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, occurrence)
);
CREATE INDEX group_attendance_by_start ON group_attendance (starts_at);

-- Broadcasts again, with created_by and stopped_by set to NULL when that person is erased.
ALTER TABLE broadcasts
    ALTER COLUMN created_by DROP NOT NULL,
    DROP CONSTRAINT broadcasts_created_by_fkey,
    ADD CONSTRAINT broadcasts_created_by_fkey
        FOREIGN KEY (created_by) REFERENCES users (user_id) ON DELETE SET NULL,
    ADD COLUMN stopped_by BIGINT REFERENCES users (user_id) ON DELETE SET NULL,
    ADD COLUMN stopped_at BIGINT;
CREATE INDEX broadcasts_by_stopper ON broadcasts (stopped_by);
