-- Per-official reports keep every official in memory with the unit code, title and whether
-- active (store::unit_cache::Roster): changes to those bump `names_version` too.
DROP TRIGGER names_version_officials ON officials;
CREATE TRIGGER names_version_officials
    AFTER INSERT OR UPDATE OF unit_id, code, full_name, title, active OR DELETE OR TRUNCATE ON officials
    FOR EACH STATEMENT EXECUTE FUNCTION names_version_bump();
DROP TRIGGER names_version_units ON units;
CREATE TRIGGER names_version_units AFTER UPDATE OF name, code ON units
    FOR EACH STATEMENT EXECUTE FUNCTION names_version_bump();
