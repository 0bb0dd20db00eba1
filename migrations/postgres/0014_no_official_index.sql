-- No query reads ratings by official: per-official figures come from the aggregates and
-- raw ratings are listed by unit and time (ratings_unit_time). The index only cost
-- every rating written a random insertion and a bulk load of 10 million ratings a sort.
DROP INDEX ratings_official_time;
-- Idempotency keys are opaque and only ever compared for equality with a parameter: byte order
-- ("C") spares the unique index a locale-aware comparison per step of every insert.
-- The append-only trigger names the column: it goes while the type changes, as it was.
DROP TRIGGER ratings_no_rewrite ON ratings;
ALTER TABLE ratings ALTER COLUMN idempotency_key TYPE TEXT COLLATE "C";
CREATE TRIGGER ratings_no_rewrite BEFORE UPDATE OF idempotency_key, channel, device_id, counter_id,
    session_id, official_id, unit_id, form_version_id, scale, level, reasons, answers, comment, dossier_code,
    rated_at, received_at ON ratings
    FOR EACH ROW EXECUTE FUNCTION hailong_append_only();
