-- A counter of changes to `units`, so that the server may keep unit names in memory and know
-- with one cheap read whether they still hold (store::unit_cache). Every insert, update or
-- delete of a unit bumps it, whoever makes it (the server, an import in another process).
CREATE TABLE units_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO units_version (id, version) VALUES (1, 0);
CREATE TRIGGER units_version_insert AFTER INSERT ON units
BEGIN UPDATE units_version SET version = version + 1; END;
CREATE TRIGGER units_version_update AFTER UPDATE ON units
BEGIN UPDATE units_version SET version = version + 1; END;
CREATE TRIGGER units_version_delete AFTER DELETE ON units
BEGIN UPDATE units_version SET version = version + 1; END;
