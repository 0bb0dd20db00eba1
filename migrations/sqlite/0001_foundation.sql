-- Foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql.
-- Instants are BIGINT milliseconds since the Unix epoch (UTC); calendar dates are ISO text.

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    parent_id   INTEGER REFERENCES units(id),
    level       TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    valid_from  TEXT,
    valid_to    TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_code ON units(code);

CREATE TABLE rating_forms (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);

CREATE TABLE rating_form_versions (
    id          INTEGER PRIMARY KEY,
    form_id     INTEGER NOT NULL REFERENCES rating_forms(id),
    version     INTEGER NOT NULL,
    definition  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    UNIQUE (form_id, version)
);

CREATE TABLE service_centers (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    name        TEXT NOT NULL,
    address     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    UNIQUE (unit_id, name)
);

CREATE TABLE counters (
    id                 INTEGER PRIMARY KEY,
    service_center_id  INTEGER NOT NULL REFERENCES service_centers(id),
    code               TEXT NOT NULL,
    name               TEXT NOT NULL,
    form_id            INTEGER REFERENCES rating_forms(id),
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         BIGINT NOT NULL,
    UNIQUE (service_center_id, code)
);

CREATE TABLE officials (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    code        TEXT NOT NULL UNIQUE,
    full_name   TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    photo       BLOB,
    photo_type  TEXT,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  BIGINT NOT NULL
);
CREATE INDEX officials_unit ON officials(unit_id);

CREATE TABLE counter_sessions (
    id           INTEGER PRIMARY KEY,
    counter_id   INTEGER NOT NULL REFERENCES counters(id),
    official_id  INTEGER NOT NULL REFERENCES officials(id),
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT
);
CREATE INDEX counter_sessions_open ON counter_sessions(counter_id, ended_at);
CREATE INDEX counter_sessions_official ON counter_sessions(official_id, ended_at);

CREATE TABLE kiosk_devices (
    id            INTEGER PRIMARY KEY,
    counter_id    INTEGER NOT NULL REFERENCES counters(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    last_seen_at  BIGINT
);

CREATE TABLE ratings (
    id                INTEGER PRIMARY KEY,
    idempotency_key   TEXT NOT NULL UNIQUE,
    channel           TEXT NOT NULL CHECK (channel IN ('kiosk', 'qr', 'web')),
    device_id         INTEGER REFERENCES kiosk_devices(id),
    counter_id        INTEGER REFERENCES counters(id),
    session_id        INTEGER REFERENCES counter_sessions(id),
    official_id       INTEGER REFERENCES officials(id),
    unit_id           INTEGER NOT NULL REFERENCES units(id),
    form_version_id   INTEGER NOT NULL REFERENCES rating_form_versions(id),
    scale             SMALLINT NOT NULL CHECK (scale IN (2, 3, 5)),
    level             SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    reasons           TEXT NOT NULL DEFAULT '[]',
    -- The whole ballot as given, {"question key": level, ...}; rating_answers is filled from it
    -- by a trigger, so a rating and its answers are one statement and one commit.
    answers           TEXT NOT NULL DEFAULT '{}',
    comment           TEXT,
    dossier_code      TEXT UNIQUE,
    rated_at          BIGINT NOT NULL,
    received_at       BIGINT NOT NULL,
    flagged_at        BIGINT,
    flag_reason       TEXT,
    flagged_by        INTEGER
);
CREATE INDEX ratings_unit_time ON ratings(unit_id, rated_at);
CREATE INDEX ratings_official_time ON ratings(official_id, rated_at);
CREATE INDEX ratings_device_time ON ratings(device_id, rated_at);

CREATE TABLE rating_answers (
    rating_id     INTEGER NOT NULL REFERENCES ratings(id),
    question_key  TEXT NOT NULL,
    level         SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    PRIMARY KEY (rating_id, question_key)
);

CREATE TRIGGER ratings_expand_answers AFTER INSERT ON ratings
BEGIN
    INSERT INTO rating_answers (rating_id, question_key, level)
    SELECT NEW.id, a.key, a.value FROM json_each(NEW.answers) a;
END;

-- Ratings are evidence: they are flagged, never deleted or rewritten.
CREATE TRIGGER ratings_no_delete BEFORE DELETE ON ratings
BEGIN SELECT RAISE(ABORT, 'ratings are append-only: flag a rating instead of deleting it'); END;
CREATE TRIGGER ratings_no_rewrite BEFORE UPDATE OF idempotency_key, channel, device_id, counter_id,
    session_id, official_id, unit_id, form_version_id, scale, level, reasons, answers, comment, dossier_code,
    rated_at, received_at ON ratings
BEGIN SELECT RAISE(ABORT, 'ratings are append-only: only the misuse flag may change'); END;
CREATE TRIGGER rating_answers_no_delete BEFORE DELETE ON rating_answers
BEGIN SELECT RAISE(ABORT, 'ratings are append-only'); END;

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'leader', 'official', 'inspector')),
    unit_id        INTEGER REFERENCES units(id),
    official_id    INTEGER REFERENCES officials(id),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    csrf_token    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        BIGINT NOT NULL,
    user_id   INTEGER,
    action    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
