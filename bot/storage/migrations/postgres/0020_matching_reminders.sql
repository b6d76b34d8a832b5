-- PostgreSQL twin of ../0020_matching_reminders.sql (conventions: 0001_core.sql).
-- Matching, second round: a peer worker is reminded once, 24 hours before a request to them
-- closes unanswered. REMINDED_AT is set in the same transaction that keeps the reminder in
-- the outbox (bot/outbox.py), so it goes once, whatever restarts or replicas do.
ALTER TABLE matches ADD COLUMN reminded_at BIGINT;
