-- Aggregate keys compare byte by byte, as the loads sort them before writing (and as SQLite
-- compares text): with the cluster's locale a first fill's rows could arrive out of the key's
-- order, and every comparison went through the locale's rules for plain ASCII question keys.
ALTER TABLE rating_agg ALTER COLUMN question TYPE text COLLATE "C";
-- Most ratings carry no dossier code; a plain UNIQUE constraint indexed all their NULLs too
-- (10 million entries for a 10-million-rating load, a tenth of its COPY). NULLs never
-- conflict, so a partial index checks exactly the same ratings.
ALTER TABLE ratings DROP CONSTRAINT ratings_dossier_code_key;
CREATE UNIQUE INDEX ratings_dossier_code ON ratings (dossier_code) WHERE dossier_code IS NOT NULL;
