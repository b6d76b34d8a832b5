-- Peer worker profiles and matches (issue: matching). Shared by the matching and relay flows.

CREATE TABLE peer_profiles (
    user_id      INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('consumer_peer', 'carer_peer')),
    display_name TEXT    NOT NULL,
    bio          TEXT    NOT NULL DEFAULT '',
    -- JSON object of optional attributes: gender, age_band, lived_bpd, recovery_stage,
    -- languages, culture, lgbtqia, relationships, years_caring, support_modes, frequency
    attributes   TEXT    NOT NULL DEFAULT '{}',
    caseload_cap INTEGER NOT NULL,
    hours        TEXT    NOT NULL DEFAULT '[]',  -- JSON [[weekday, start_min, end_min], ...]
    timezone     TEXT    NOT NULL,
    paused       INTEGER NOT NULL DEFAULT 0,
    active       INTEGER NOT NULL DEFAULT 1,     -- 0 when deactivated by a coordinator
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX peer_profiles_offerable ON peer_profiles (kind, active, paused);

CREATE TABLE matches (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    peer_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    -- requested -> active | declined | expired | withdrawn; active -> ended
    status       TEXT    NOT NULL CHECK (status IN ('requested', 'active', 'declined',
                                                    'expired', 'withdrawn', 'ended')),
    preferences  TEXT    NOT NULL DEFAULT '{}',  -- JSON of what the person asked for
    requested_at INTEGER NOT NULL,
    respond_by   INTEGER,                        -- a request unanswered by then is declined
    accepted_at  INTEGER,
    ended_at     INTEGER,
    ended_by     TEXT                            -- person, peer, coordinator, system
);
CREATE INDEX matches_by_person ON matches (person_id, status);
CREATE INDEX matches_by_peer ON matches (peer_id, status);
CREATE INDEX matches_due ON matches (status, respond_by);
-- At most one live (requested or active) match per person.
CREATE UNIQUE INDEX matches_one_live ON matches (person_id)
    WHERE status IN ('requested', 'active');
