-- Scoring models and the points people enter for them (SQLite). Keep in step with
-- ../postgres/0008_scoring_models.sql. Depends on 0001 only (units, users).

-- Every saved version of a scoring model (DOMAIN §5, §9), as the JSON `ScoringModel::to_json`
-- writes. An edit adds a version and never rewrites one, so a score card can be recomputed
-- with the version it was made with. The shipped defaults (src/domain/scoring/*.json) are
-- inserted by the store the first time a key is read: the JSON lives in one place.
CREATE TABLE scoring_models (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    definition  TEXT NOT NULL,
    -- NULL for the shipped defaults.
    created_by  INTEGER REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    UNIQUE (key, version)
);

CREATE TRIGGER scoring_models_no_delete BEFORE DELETE ON scoring_models
BEGIN SELECT RAISE(ABORT, 'scoring model versions are history: save a new version instead'); END;
CREATE TRIGGER scoring_models_no_rewrite BEFORE UPDATE ON scoring_models
BEGIN SELECT RAISE(ABORT, 'scoring model versions are history: save a new version instead'); END;

-- Points entered by people for a unit, a model key and a period (its slug: 2026-Q4, 2026-11):
-- `manual` indicators of points models, and the self-assessed and appraised columns of
-- Circular 01/2018. Append-only: the latest row per (unit, model, period, indicator, column)
-- is in force, a NULL points clears it, and the rows before it say who entered what and when.
CREATE TABLE scoring_entries (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    model_key    TEXT NOT NULL,
    period       TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    entry_column TEXT NOT NULL CHECK (entry_column IN ('self_assessed', 'appraised')),
    points       REAL CHECK (points IS NULL OR points >= 0),
    entered_by   INTEGER REFERENCES users(id),
    entered_at   BIGINT NOT NULL
);
CREATE INDEX scoring_entries_lookup
    ON scoring_entries(unit_id, model_key, period, indicator, entry_column, id);

CREATE TRIGGER scoring_entries_no_delete BEFORE DELETE ON scoring_entries
BEGIN SELECT RAISE(ABORT, 'entered points are history: enter a new value instead'); END;
CREATE TRIGGER scoring_entries_no_rewrite BEFORE UPDATE ON scoring_entries
BEGIN SELECT RAISE(ABORT, 'entered points are history: enter a new value instead'); END;
