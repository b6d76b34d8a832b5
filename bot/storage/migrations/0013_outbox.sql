-- Sends that matter, kept until Telegram has them (bot/outbox.py). A row is written in the
-- same transaction as the change that causes it (or when a first try fails), sent by a
-- worker most urgent first, retried with backoff on 429/5xx/timeouts, and dropped only on a
-- permanent error. KEY makes every send idempotent: a retry never doubles. The payload (it
-- holds what people wrote) is encrypted and cleared once the row is done.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    chat_id       INTEGER NOT NULL,
    kind          TEXT    NOT NULL,
    priority      INTEGER NOT NULL,      -- 0 first (the crisis card)
    payload       BLOB,                  -- encrypted JSON {method, params}; NULL once done
    status        TEXT    NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'dropped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at_ms    INTEGER NOT NULL,      -- due time, epoch milliseconds
    claimed_until INTEGER,               -- a worker's lease, epoch milliseconds
    created_at    INTEGER NOT NULL,
    done_at       INTEGER,
    message_id    INTEGER,
    error         TEXT
);
CREATE INDEX outbox_due ON outbox (status, priority, next_at_ms);
CREATE INDEX outbox_by_chat ON outbox (chat_id);
