-- Matching (issue 4): change counters, so each bot process can keep the prepared peer pool
-- and the caseloads in memory and check with one cheap read whether they are still current.
-- Triggers bump them in the same transaction as every write, whichever code or process
-- makes it (cascading deletes included), so a cache checked against them is never stale.

CREATE TABLE matching_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    profiles INTEGER NOT NULL DEFAULT 0,  -- peer_profiles, or a profile owner's users.active
    matches  INTEGER NOT NULL DEFAULT 0   -- matches (caseloads)
);
INSERT INTO matching_version (id) VALUES (1);

CREATE TRIGGER matching_version_profile_insert AFTER INSERT ON peer_profiles
BEGIN
    UPDATE matching_version SET profiles = profiles + 1 WHERE id = 1;
END;
CREATE TRIGGER matching_version_profile_update AFTER UPDATE ON peer_profiles
BEGIN
    UPDATE matching_version SET profiles = profiles + 1 WHERE id = 1;
END;
CREATE TRIGGER matching_version_profile_delete AFTER DELETE ON peer_profiles
BEGIN
    UPDATE matching_version SET profiles = profiles + 1 WHERE id = 1;
END;
-- Only active users' profiles are offered.
CREATE TRIGGER matching_version_user_active AFTER UPDATE OF active ON users
WHEN OLD.active IS NOT NEW.active
    AND EXISTS (SELECT 1 FROM peer_profiles WHERE user_id = NEW.user_id)
BEGIN
    UPDATE matching_version SET profiles = profiles + 1 WHERE id = 1;
END;

CREATE TRIGGER matching_version_match_insert AFTER INSERT ON matches
BEGIN
    UPDATE matching_version SET matches = matches + 1 WHERE id = 1;
END;
CREATE TRIGGER matching_version_match_update AFTER UPDATE OF status, peer_id ON matches
BEGIN
    UPDATE matching_version SET matches = matches + 1 WHERE id = 1;
END;
CREATE TRIGGER matching_version_match_delete AFTER DELETE ON matches
BEGIN
    UPDATE matching_version SET matches = matches + 1 WHERE id = 1;
END;
