-- PostgreSQL's 0017 makes dossier codes compare byte by byte; SQLite already compares text
-- that way (BINARY): nothing to do.
SELECT 1;
