-- Updates as they arrive from Telegram, written before Telegram is told they were received
-- (polling confirms them with its next request; a webhook push is answered after the
-- write). A crash between receiving and answering loses nothing: start-up processes what is
-- left. The update's JSON is encrypted (it holds what people typed) and dropped once done;
-- the id stays a while so a delivery Telegram repeats is answered once.
CREATE TABLE update_inbox (
    update_id   INTEGER PRIMARY KEY,
    user_id     INTEGER,
    body        BLOB,                  -- encrypted update JSON; NULL once processed
    received_at INTEGER NOT NULL,
    done_at     INTEGER,
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX update_inbox_pending ON update_inbox (done_at, update_id);
CREATE INDEX update_inbox_by_user ON update_inbox (user_id);
