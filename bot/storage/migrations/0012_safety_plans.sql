-- A person's own safety plan (Stanley-Brown): each part optional, all of it encrypted.
CREATE TABLE safety_plans (
    user_id    INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    sections   BLOB    NOT NULL,      -- encrypted JSON {part: text}; never plain text
    shared_at  INTEGER,               -- when they last sent it to their peer worker
    updated_at INTEGER NOT NULL
);
