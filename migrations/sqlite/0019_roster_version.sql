-- Per-official reports keep every official in memory with the unit code, title and whether
-- active (store::unit_cache::Roster): changes to those bump `names_version` too.
DROP TRIGGER names_version_official_update;
CREATE TRIGGER names_version_official_update AFTER UPDATE OF unit_id, code, full_name, title, active ON officials
BEGIN UPDATE names_version SET version = version + 1; END;
DROP TRIGGER names_version_unit_update;
CREATE TRIGGER names_version_unit_update AFTER UPDATE OF name, code ON units
BEGIN UPDATE names_version SET version = version + 1; END;
