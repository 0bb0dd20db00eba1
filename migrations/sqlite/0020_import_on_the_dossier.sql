-- An imported dossier's history begins with its import. That line was one `dossier_events` row
-- per dossier, written and indexed by every load (about a fifth of loading 10 million
-- dossiers); the dossier now records when it was imported and the history shows the line from
-- it (store::dossiers::dossier_events).
ALTER TABLE dossiers ADD COLUMN imported_at BIGINT;
UPDATE dossiers SET imported_at = COALESCE(
    (SELECT MIN(e.at) FROM dossier_events e WHERE e.dossier_id = dossiers.id AND e.action = 'import'),
    updated_at)
WHERE imported;
DELETE FROM dossier_events WHERE action = 'import';
