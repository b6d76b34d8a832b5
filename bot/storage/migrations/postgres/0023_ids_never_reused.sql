-- PostgreSQL twin of ../0023_ids_never_reused.sql (conventions: 0001_core.sql). Identity
-- columns never give an id out twice, so the code never reads `id_high_water` here
-- (StorageBase._fresh_id); the table and its triggers are kept all the same, so the two
-- schemas stay alike and a database copied back to SQLite would know its ids.
CREATE TABLE id_high_water (
    name TEXT PRIMARY KEY,
    seq  BIGINT NOT NULL
);
INSERT INTO id_high_water (name, seq) VALUES
    ('matches', coalesce((SELECT max(id) FROM matches), 0)),
    ('notes', coalesce((SELECT max(id) FROM notes), 0)),
    ('supervision_requests', coalesce((SELECT max(id) FROM supervision_requests), 0)),
    ('care_team_links', coalesce((SELECT max(id) FROM care_team_links), 0));

CREATE FUNCTION id_high_water_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE id_high_water SET seq = NEW.id WHERE name = TG_TABLE_NAME AND seq < NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER id_high_water_matches AFTER INSERT ON matches
    FOR EACH ROW EXECUTE FUNCTION id_high_water_bump();
CREATE TRIGGER id_high_water_notes AFTER INSERT ON notes
    FOR EACH ROW EXECUTE FUNCTION id_high_water_bump();
CREATE TRIGGER id_high_water_supervision_requests AFTER INSERT ON supervision_requests
    FOR EACH ROW EXECUTE FUNCTION id_high_water_bump();
CREATE TRIGGER id_high_water_care_team_links AFTER INSERT ON care_team_links
    FOR EACH ROW EXECUTE FUNCTION id_high_water_bump();
