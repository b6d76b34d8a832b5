-- Care teams, integrated model only (DESIGN "Who may read what"): a clinician reads the
-- notes a person chose to share only while they are on that person's care team, which the
-- person joined them to through a single-use link and can leave them off at any time.
-- Every staff read of a person's notes is logged for that person to see.

-- A clinician's single-use link: only a hash of its code is stored. OPENED_BY is the one
-- person it was opened by (nobody else can answer it); ANSWER is 'accepted' or 'declined'.
CREATE TABLE care_team_links (
    id           INTEGER PRIMARY KEY,
    code_hash    TEXT    NOT NULL UNIQUE,
    clinician_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    opened_by    INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    opened_at    INTEGER,
    answer       TEXT,
    answered_at  INTEGER
);

-- Who is on whose care team, since when.
CREATE TABLE care_team (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    clinician_id INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    added_at     INTEGER NOT NULL,
    UNIQUE (person_id, clinician_id)
);
CREATE INDEX care_team_clinician ON care_team (clinician_id);

-- The access log: who (by role, and their name then) read how many of a person's notes,
-- when. Shown only to the person; erased by their /delete.
CREATE TABLE note_reads (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    reader_id   INTEGER REFERENCES users (user_id) ON DELETE SET NULL,
    reader_role TEXT    NOT NULL,
    reader_name TEXT    NOT NULL,
    notes       INTEGER NOT NULL,
    read_at     INTEGER NOT NULL
);
CREATE INDEX note_reads_person ON note_reads (person_id, read_at);
