-- The procedure catalogue (SQLite). Keep in step with ../postgres/0003_procedures.sql.
-- A procedure keeps its legal time limit; a unit's shorter committed limit lives in
-- procedure_limits, append-only: a new row supersedes from its valid_from date.

CREATE TABLE procedures (
    id            INTEGER PRIMARY KEY,
    -- National code of the procedure in the national database (e.g. 1.001193).
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    -- Lĩnh vực: hộ tịch, chứng thực, cư trú, đất đai, ...
    field         TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    agency        TEXT NOT NULL DEFAULT '',
    limit_kind    TEXT NOT NULL CHECK (limit_kind IN ('working_hours', 'working_days', 'calendar_days')),
    limit_value   INTEGER NOT NULL CHECK (limit_value >= 0),
    -- How the law words the limit when the number alone says too little ("ngay trong ngày ...").
    limit_note    TEXT NOT NULL DEFAULT '',
    fees          TEXT NOT NULL DEFAULT '',
    -- Required documents, one per line.
    documents     TEXT NOT NULL DEFAULT '',
    legal_basis   TEXT NOT NULL DEFAULT '',
    online_level  TEXT NOT NULL CHECK (online_level IN ('full', 'partial', 'none')),
    -- Folded (lower case, no diacritics) code, name, field and agency, kept by the store.
    search_text   TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX procedures_field ON procedures(field);

CREATE TABLE procedure_limits (
    id            INTEGER PRIMARY KEY,
    procedure_id  INTEGER NOT NULL REFERENCES procedures(id),
    unit_id       INTEGER NOT NULL REFERENCES units(id),
    limit_kind    TEXT NOT NULL CHECK (limit_kind IN ('working_hours', 'working_days', 'calendar_days')),
    limit_value   INTEGER NOT NULL CHECK (limit_value >= 0),
    valid_from    TEXT NOT NULL,
    -- The decision that committed the unit to it ("Quyết định số ...").
    note          TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    created_by    INTEGER REFERENCES users(id)
);
CREATE INDEX procedure_limits_lookup ON procedure_limits(procedure_id, unit_id, valid_from);

CREATE TRIGGER procedure_limits_no_delete BEFORE DELETE ON procedure_limits
BEGIN SELECT RAISE(ABORT, 'committed limits are history: add a new one instead'); END;
CREATE TRIGGER procedure_limits_no_rewrite BEFORE UPDATE ON procedure_limits
BEGIN SELECT RAISE(ABORT, 'committed limits are history: add a new one instead'); END;
