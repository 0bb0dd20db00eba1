-- SQLite's migration of this number rebuilds `dossiers` so that its unique key on `code` can be
-- dropped for a first load and built afterwards. PostgreSQL's key is a named constraint that
-- can be dropped already (`pg_bulk::drop_unique_for_first_fill`): nothing to do here.
SELECT 1;
