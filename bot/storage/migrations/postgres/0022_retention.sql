-- PostgreSQL twin of ../0022_retention.sql (conventions: 0001_core.sql).
-- Retention (bot/retention.py): rows older than a service's retention periods go, a few
-- hundred at a time. Each table is read by the time its rows are pruned by, so a daily
-- prune with nothing to remove costs one index seek instead of a scan.
CREATE INDEX IF NOT EXISTS relay_copies_by_created ON relay_copies (created_at);
CREATE INDEX IF NOT EXISTS relay_sends_by_sent ON relay_sends (sent_at);
CREATE INDEX IF NOT EXISTS checkins_by_sent ON checkins (sent_at);
CREATE INDEX IF NOT EXISTS broadcasts_by_finished ON broadcasts (finished_at);

-- A finished broadcast's counts for the service's report (messages tried, and delivered),
-- written just before its per-recipient outbox rows go. NULL: the rows are still there and
-- the report counts them.
ALTER TABLE broadcasts ADD COLUMN tried BIGINT;
ALTER TABLE broadcasts ADD COLUMN delivered BIGINT;
