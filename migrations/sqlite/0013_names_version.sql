-- A counter of changes to the names reports give officials and counters (code, name, and the
-- unit or service centre they belong to), so that the server may keep them in memory and know
-- with one cheap read whether they still hold (store::unit_cache), as `units_version` does for
-- units. Photos, titles and other columns do not bump it.
CREATE TABLE names_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  BIGINT NOT NULL
);
INSERT INTO names_version (id, version) VALUES (1, 0);
CREATE TRIGGER names_version_official_insert AFTER INSERT ON officials
BEGIN UPDATE names_version SET version = version + 1; END;
CREATE TRIGGER names_version_official_update AFTER UPDATE OF unit_id, code, full_name ON officials
BEGIN UPDATE names_version SET version = version + 1; END;
CREATE TRIGGER names_version_official_delete AFTER DELETE ON officials
BEGIN UPDATE names_version SET version = version + 1; END;
CREATE TRIGGER names_version_counter_insert AFTER INSERT ON counters
BEGIN UPDATE names_version SET version = version + 1; END;
CREATE TRIGGER names_version_counter_update AFTER UPDATE OF service_center_id, code, name ON counters
BEGIN UPDATE names_version SET version = version + 1; END;
CREATE TRIGGER names_version_counter_delete AFTER DELETE ON counters
BEGIN UPDATE names_version SET version = version + 1; END;
CREATE TRIGGER names_version_center_update AFTER UPDATE OF name ON service_centers
BEGIN UPDATE names_version SET version = version + 1; END;
CREATE TRIGGER names_version_unit_update AFTER UPDATE OF name ON units
BEGIN UPDATE names_version SET version = version + 1; END;
