-- Chat relay (issue: relay): held messages, where relayed copies landed, flood slots
-- and notes. No message text is stored here: a held message is copied from
-- the sender's own chat when it is due. Note text is stored only as Fernet ciphertext.

-- Messages waiting for a peer worker's nominated hours, or for a flood-limit slot.
CREATE TABLE relay_queue (
    id           INTEGER PRIMARY KEY,
    match_id     INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    sender_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    recipient_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL,          -- in the sender's own chat; copied when due
    reason       TEXT    NOT NULL CHECK (reason IN ('hours', 'flood', 'retry')),
    sent_at      INTEGER NOT NULL,
    deliver_at   INTEGER NOT NULL
);
CREATE INDEX relay_queue_due ON relay_queue (deliver_at, id);
CREATE INDEX relay_queue_by_match ON relay_queue (match_id, sender_id);

-- Each relayed copy (and its name label) in a recipient's chat, so replying to it finds
-- the match (a peer worker with several people answers the message they mean), and the
-- newest row of a chat says who was last relayed there (a name label starts each run).
CREATE TABLE relay_copies (
    chat_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    message_id INTEGER NOT NULL,
    match_id   INTEGER NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    sender_id  INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX relay_copies_by_match ON relay_copies (match_id);
CREATE INDEX relay_copies_by_sender ON relay_copies (sender_id);

-- Delivery slots given to a sender's recent messages (the flood limit's sliding window):
-- one row per sender, a JSON list of epoch seconds, at most a window's worth.
CREATE TABLE relay_flood (
    sender_id INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    slots     TEXT    NOT NULL DEFAULT '[]'
);

-- Notes a peer worker wrote about a person. They belong to the person: erasing the
-- author's data keeps the note for the person (author_id becomes NULL).
CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    match_id   INTEGER REFERENCES matches (id) ON DELETE SET NULL,
    body       BLOB    NOT NULL,            -- Fernet ciphertext, never plain text
    shared     INTEGER NOT NULL DEFAULT 0,  -- integrated model only: the person said yes
    decided_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX notes_by_person ON notes (person_id, created_at);
CREATE INDEX notes_shared ON notes (shared, person_id);
CREATE INDEX notes_by_author ON notes (author_id);
