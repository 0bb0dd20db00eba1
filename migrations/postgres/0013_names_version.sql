-- A counter of changes to the names reports give officials and counters (code, name, and the
-- unit or service centre they belong to), so that the server may keep them in memory and know
-- with one cheap read whether they still hold (store::unit_cache), as `units_version` does for
-- units; the same table as SQLite's migration 0013. Bumped once per statement.
CREATE TABLE names_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO names_version (id, version) VALUES (1, 0);
CREATE FUNCTION names_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE names_version SET version = version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER names_version_officials
    AFTER INSERT OR UPDATE OF unit_id, code, full_name OR DELETE OR TRUNCATE ON officials
    FOR EACH STATEMENT EXECUTE FUNCTION names_version_bump();
CREATE TRIGGER names_version_counters
    AFTER INSERT OR UPDATE OF service_center_id, code, name OR DELETE OR TRUNCATE ON counters
    FOR EACH STATEMENT EXECUTE FUNCTION names_version_bump();
CREATE TRIGGER names_version_centers AFTER UPDATE OF name ON service_centers
    FOR EACH STATEMENT EXECUTE FUNCTION names_version_bump();
CREATE TRIGGER names_version_units AFTER UPDATE OF name ON units
    FOR EACH STATEMENT EXECUTE FUNCTION names_version_bump();
