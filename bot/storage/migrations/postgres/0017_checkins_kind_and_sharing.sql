-- PostgreSQL twin of ../0017_checkins_kind_and_sharing.sql (conventions: 0001_core.sql).
-- Check-ins, second round (flows/checkins/).

-- kind: a scheduled check-in, or one the person asked for with "Check in now". The counts a
-- service evaluates itself by keep the two apart. Rows from before this: a check-in asked
-- for now was recorded with due_at = sent_at at whatever second it was, while a scheduled
-- one falls due on a whole minute, which tells nearly all of them apart.
ALTER TABLE checkins ADD COLUMN kind TEXT NOT NULL DEFAULT 'scheduled'
    CHECK (kind IN ('scheduled', 'now'));
UPDATE checkins SET kind = 'now' WHERE due_at = sent_at AND due_at % 60 != 0;

-- Weekly sharing follows the person's choice of one peer worker, never whoever that is now:
-- share_match is the match they chose to share with. When it ends (or is handed over),
-- sharing stops and share_ask = 1 until they choose again with their next peer worker.
ALTER TABLE checkin_schedules ADD COLUMN share_match BIGINT;
ALTER TABLE checkin_schedules ADD COLUMN share_ask BIGINT NOT NULL DEFAULT 0;
UPDATE checkin_schedules SET share_match = (
    SELECT m.id FROM matches AS m
    WHERE m.person_id = checkin_schedules.user_id AND m.status = 'active'
    ORDER BY m.id DESC LIMIT 1)
WHERE share_weekly = 1;
UPDATE checkin_schedules SET share_weekly = 0, share_due = NULL, share_ask = 1
WHERE share_weekly = 1 AND share_match IS NULL;
