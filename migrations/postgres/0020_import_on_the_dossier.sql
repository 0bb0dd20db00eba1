-- An imported dossier's history begins with its import. That line was one `dossier_events` row
-- per dossier, written and indexed by every load (about a fifth of loading 10 million
-- dossiers); the dossier now records when it was imported and the history shows the line from
-- it (store::dossiers::dossier_events).
ALTER TABLE dossiers ADD COLUMN imported_at BIGINT;
UPDATE dossiers d SET imported_at = e.at
FROM (SELECT dossier_id, MIN(at) AS at FROM dossier_events WHERE action = 'import' GROUP BY dossier_id) e
WHERE e.dossier_id = d.id;
UPDATE dossiers SET imported_at = updated_at WHERE imported AND imported_at IS NULL;
DELETE FROM dossier_events WHERE action = 'import';
