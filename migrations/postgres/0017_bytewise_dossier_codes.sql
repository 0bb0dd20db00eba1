-- Dossier codes ({unit}-{yyMMdd}-{NNNN}, letters, digits, '-' and '.') compare byte by byte,
-- as SQLite compares them: the unique index checks every imported or new dossier's code, and
-- through the cluster's locale each comparison cost a strcoll (a 5-million-dossier load spent
-- most of its index time there). The code-range look-up of a day's numbers relies on '.'
-- sorting right after '-', which holds byte by byte in any locale.
ALTER TABLE dossiers ALTER COLUMN code TYPE text COLLATE "C";
