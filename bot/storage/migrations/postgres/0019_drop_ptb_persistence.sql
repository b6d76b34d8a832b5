-- PostgreSQL twin of ../0019_drop_ptb_persistence.sql (conventions: 0001_core.sql).
-- There is no 0018 on either side.
-- PTB's persistence is gone: where someone is in a flow, and what they typed so far, live in
-- `sessions` (0010), read at the start of every update and written in the same update
-- (docs/decisions/0001). Nothing reads or writes these two tables any more; rows left in
-- them belonged to the old ConversationHandler flows and are dropped with them.
DROP INDEX IF EXISTS conversation_states_by_user;
DROP TABLE IF EXISTS conversation_states;
DROP TABLE IF EXISTS user_data;
