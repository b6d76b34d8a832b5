-- The relay, second round (flows/relay/): every relayed message goes through the outbox
-- (bot/outbox.py), an edit finds the copy it corrects, notes are stored once however often
-- a save is retried, the messages held for someone's hours have a cap, and a peer worker
-- can go on leave or leave the service without anyone they support being dropped.

-- Which message in the sender's chat each copy came from (NULL for a name label), so an
-- edited message corrects its copy instead of arriving again as a new one.
ALTER TABLE relay_copies ADD COLUMN source_id INTEGER;
CREATE INDEX relay_copies_by_source ON relay_copies (sender_id, source_id);

-- Relayed sends on their way through the outbox, under the outbox row's key: what each is,
-- so that once Telegram has it the copy is remembered (replies and edits find it), and if it
-- never gets there the sender is told which message, to whom. Gone once settled.
CREATE TABLE relay_sends (
    key        TEXT    PRIMARY KEY,     -- the outbox key, e.g. relay:{match}:{side}:{message}
    match_id   INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    sender_id  INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    chat_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    source_id  INTEGER,                 -- the message in the sender's chat; NULL: a label
    sent_at    INTEGER NOT NULL
);
CREATE INDEX relay_sends_by_chat ON relay_sends (chat_id);
CREATE INDEX relay_sends_by_sender ON relay_sends (sender_id, source_id);

-- When a sender was last told that as many messages as may wait for their peer worker's
-- hours are waiting (the cap, a setting): told once per wait, not once per message.
ALTER TABLE relay_flood ADD COLUMN cap_told_at INTEGER;

-- A note is stored once per message (or press) that saves it, however often that is retried
-- (SOURCE is "{match}:{message}": never a Telegram id).
ALTER TABLE notes ADD COLUMN source TEXT;
CREATE UNIQUE INDEX notes_by_source ON notes (source) WHERE source IS NOT NULL;

-- A peer worker going on leave, or leaving the service (started by them or a coordinator).
CREATE TABLE departures (
    peer_id    INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('leave', 'leaving')),
    started_at INTEGER NOT NULL,
    started_by INTEGER REFERENCES users (user_id) ON DELETE SET NULL  -- NULL: the peer worker
);

-- While on leave, what the peer worker chose for each person: a coordinator hands them over,
-- or the match pauses (the person is told, and what they send waits for the return).
CREATE TABLE departure_people (
    match_id   INTEGER PRIMARY KEY REFERENCES matches (id) ON DELETE CASCADE,
    peer_id    INTEGER NOT NULL REFERENCES departures (peer_id) ON DELETE CASCADE,
    choice     TEXT    NOT NULL CHECK (choice IN ('handover', 'pause')),
    decided_at INTEGER NOT NULL
);
CREATE INDEX departure_people_by_peer ON departure_people (peer_id);
