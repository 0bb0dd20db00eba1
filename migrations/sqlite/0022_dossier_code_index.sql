-- SQLite keeps an inline UNIQUE as an index that cannot be dropped. A load into an empty table
-- (a desk bringing its history) checks its codes itself and would rather build the index once
-- from all its rows, as it does on PostgreSQL: kept up to date row by row, in random order, it
-- was the largest part of writing 10 million dossiers. So the table is rebuilt, by SQLite's
-- documented procedure (foreign keys are off while migrations run, see `Store::migrate`), with
-- the same columns and ids and the key as a named unique index.
CREATE TABLE dossiers_new (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL,
    -- Printed on the receipt; protects the public look-up.
    lookup_secret       TEXT NOT NULL,
    unit_id             BIGINT NOT NULL REFERENCES units(id),
    procedure_id        BIGINT NOT NULL REFERENCES procedures(id),
    channel             SMALLINT NOT NULL CHECK (channel BETWEEN 1 AND 3),
    status              SMALLINT NOT NULL CHECK (status BETWEEN 1 AND 10),
    applicant_name      TEXT NOT NULL,
    applicant_phone     TEXT NOT NULL DEFAULT '',
    applicant_id_number TEXT NOT NULL DEFAULT '',
    applicant_address   TEXT NOT NULL DEFAULT '',
    -- JSON array of the papers received.
    documents           TEXT NOT NULL DEFAULT '[]',
    return_method       TEXT NOT NULL DEFAULT 'desk' CHECK (return_method IN ('desk', 'post', 'home')),
    -- The limit in force at intake (committed or legal), kept so later catalogue edits do not
    -- move this dossier's due date.
    limit_kind          TEXT NOT NULL,
    limit_value         INTEGER NOT NULL,
    registered_at       BIGINT NOT NULL,
    received_at         BIGINT,
    due_at              BIGINT,
    finished_at         BIGINT,
    returned_at         BIGINT,
    supplement_count    INTEGER NOT NULL DEFAULT 0,
    paused_at           BIGINT,
    -- Working minutes paused by completed supplement requests.
    paused_minutes      BIGINT NOT NULL DEFAULT 0,
    received_by         BIGINT REFERENCES officials(id),
    counter_id          BIGINT REFERENCES counters(id),
    imported            BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at          BIGINT NOT NULL,
    imported_at         BIGINT
);
INSERT INTO dossiers_new (id, code, lookup_secret, unit_id, procedure_id, channel, status,
    applicant_name, applicant_phone, applicant_id_number, applicant_address, documents,
    return_method, limit_kind, limit_value, registered_at, received_at, due_at, finished_at,
    returned_at, supplement_count, paused_at, paused_minutes, received_by, counter_id, imported,
    updated_at, imported_at)
SELECT id, code, lookup_secret, unit_id, procedure_id, channel, status,
    applicant_name, applicant_phone, applicant_id_number, applicant_address, documents,
    return_method, limit_kind, limit_value, registered_at, received_at, due_at, finished_at,
    returned_at, supplement_count, paused_at, paused_minutes, received_by, counter_id, imported,
    updated_at, imported_at
FROM dossiers;
DROP TABLE dossiers;
ALTER TABLE dossiers_new RENAME TO dossiers;
CREATE UNIQUE INDEX dossiers_code ON dossiers(code);
CREATE INDEX dossiers_unit_received ON dossiers(unit_id, received_at);
CREATE INDEX dossiers_open_unit_due ON dossiers(unit_id, due_at) WHERE status IN (2, 4, 5, 6);
