-- One-stop dossiers (DOMAIN §6): intake, status history, inter-agency steps, return of results.

-- The daily sequence behind dossier codes {unit}-{yyMMdd}-{NNNN}: one row per unit and day,
-- bumped with an upsert so that concurrent intakes never share a number.
CREATE TABLE dossier_sequences (
    unit_id   BIGINT NOT NULL REFERENCES units(id),
    day       DATE NOT NULL,
    last_seq  BIGINT NOT NULL,
    PRIMARY KEY (unit_id, day)
);

CREATE TABLE dossiers (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,
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
    updated_at          BIGINT NOT NULL
);
CREATE INDEX dossiers_unit_received ON dossiers(unit_id, received_at);
CREATE INDEX dossiers_open_due ON dossiers(status, due_at);
CREATE INDEX dossiers_official_received ON dossiers(received_by, received_at);

-- Every transition: who, when, why. Never rewritten.
CREATE TABLE dossier_events (
    id           INTEGER PRIMARY KEY,
    dossier_id   BIGINT NOT NULL REFERENCES dossiers(id),
    at           BIGINT NOT NULL,
    action       TEXT NOT NULL,
    from_status  SMALLINT,
    to_status    SMALLINT NOT NULL,
    user_id      BIGINT,
    official_id  BIGINT REFERENCES officials(id),
    note         TEXT NOT NULL DEFAULT '',
    -- An apology with a new date (Mẫu 04) records the date promised.
    new_due_at   BIGINT
);
CREATE INDEX dossier_events_dossier ON dossier_events(dossier_id, at);
-- The kiosk asks which dossier the official on duty handled in the last minutes.
CREATE INDEX dossier_events_official ON dossier_events(official_id, at);

-- Inter-agency procedures: ordered steps across units, each with its own time budget.
CREATE TABLE dossier_steps (
    id             INTEGER PRIMARY KEY,
    dossier_id     BIGINT NOT NULL REFERENCES dossiers(id),
    seq            INTEGER NOT NULL,
    unit_id        BIGINT NOT NULL REFERENCES units(id),
    task           TEXT NOT NULL,
    budget_kind    TEXT NOT NULL,
    budget_value   INTEGER NOT NULL,
    -- Hand-over to this step's agency (Mẫu 06) and its finish.
    started_at     BIGINT,
    due_at         BIGINT,
    finished_at    BIGINT,
    handed_by      BIGINT,
    note           TEXT NOT NULL DEFAULT '',
    UNIQUE (dossier_id, seq)
);
