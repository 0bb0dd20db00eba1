-- A counter of changes to `units`, so that the server may keep unit names in memory and know
-- with one cheap read whether they still hold (store::unit_cache); the same table as SQLite's
-- migration 0011. Every statement that changes units bumps it once, whoever runs it.
CREATE TABLE units_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO units_version (id, version) VALUES (1, 0);
CREATE FUNCTION units_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE units_version SET version = version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER units_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON units
    FOR EACH STATEMENT EXECUTE FUNCTION units_version_bump();
