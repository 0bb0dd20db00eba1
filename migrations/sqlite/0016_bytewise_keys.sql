-- PostgreSQL's 0016 makes aggregate keys compare byte by byte and indexes only the ratings
-- that carry a dossier code. SQLite already compares text byte by byte (BINARY), and a
-- column's UNIQUE constraint cannot be narrowed without rebuilding the ratings table, which
-- an installation with millions of ratings should not pay for a smaller index: nothing to do.
SELECT 1;
