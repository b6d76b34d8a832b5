-- SQLite gives a new row the largest id in its table plus one, so once the row with the
-- largest id is deleted (someone's /delete erases their matches, notes and requests), the
-- next row took its id again. Ids live on outside their rows: in the outbox's keys (a new
-- match's request notice, "match:1:request", was taken for the erased match's, already
-- sent, and never went) and in buttons already in people's chats. From here each of these
-- tables takes its ids from `id_high_water`, which only ever grows (bot/storage/base.py
-- `_fresh_id`). PostgreSQL's identity columns never reuse an id.
CREATE TABLE id_high_water (
    name TEXT PRIMARY KEY,
    seq  INTEGER NOT NULL
);
-- The highest id each table holds, or that an outbox key still names.
INSERT INTO id_high_water (name, seq) VALUES
    ('matches', max(
        coalesce((SELECT max(id) FROM matches), 0),
        coalesce((SELECT max(CAST(substr(key, 7) AS INTEGER)) FROM outbox
                  WHERE key LIKE 'match:%' OR key LIKE 'relay:%' OR key LIKE 'leave:%'), 0),
        coalesce((SELECT max(CAST(substr(key, 6) AS INTEGER)) FROM outbox
                  WHERE key LIKE 'edit:%'), 0),
        coalesce((SELECT max(CAST(substr(key, 10) AS INTEGER)) FROM outbox
                  WHERE key LIKE 'struggle:%'), 0))),
    ('notes', max(
        coalesce((SELECT max(id) FROM notes), 0),
        coalesce((SELECT max(CAST(substr(key, 6) AS INTEGER)) FROM outbox
                  WHERE key LIKE 'note:%'), 0))),
    ('supervision_requests', max(
        coalesce((SELECT max(id) FROM supervision_requests), 0),
        coalesce((SELECT max(CAST(substr(key, 13) AS INTEGER)) FROM outbox
                  WHERE key LIKE 'supervision:%'), 0))),
    ('care_team_links', coalesce((SELECT max(id) FROM care_team_links), 0));
-- Kept up to date by every insert, whoever makes it.
CREATE TRIGGER id_high_water_matches AFTER INSERT ON matches
BEGIN
    UPDATE id_high_water SET seq = NEW.id WHERE name = 'matches' AND seq < NEW.id;
END;
CREATE TRIGGER id_high_water_notes AFTER INSERT ON notes
BEGIN
    UPDATE id_high_water SET seq = NEW.id WHERE name = 'notes' AND seq < NEW.id;
END;
CREATE TRIGGER id_high_water_supervision_requests AFTER INSERT ON supervision_requests
BEGIN
    UPDATE id_high_water SET seq = NEW.id WHERE name = 'supervision_requests' AND seq < NEW.id;
END;
CREATE TRIGGER id_high_water_care_team_links AFTER INSERT ON care_team_links
BEGIN
    UPDATE id_high_water SET seq = NEW.id WHERE name = 'care_team_links' AND seq < NEW.id;
END;
