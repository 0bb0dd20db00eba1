-- Targets per unit and indicator, alerts to leaders, e-mail addresses of staff (issue 4, item 4).
-- Keep in step with ../postgres/0007_targets_alerts.sql.

-- A target: "indicator ≥ threshold" for a unit from a month on. A later year's target is a new
-- row (new valid_from), so last year's reports keep last year's target; setting the same month
-- again replaces it. A unit without a row of its own follows its nearest ancestor's (a
-- province's 80% holds for all its communes). threshold is a share in [0, 1]; valid_from is a
-- month key (yyyymm).
CREATE TABLE targets (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    indicator   TEXT NOT NULL CHECK (indicator IN
                    ('satisfaction_rate', 'very_satisfied_share', 'on_time_rate', 'online_share')),
    -- Every indicator so far is "at least"; the column says so rather than leaving it implied.
    comparison  TEXT NOT NULL DEFAULT 'at_least' CHECK (comparison IN ('at_least')),
    threshold   REAL NOT NULL CHECK (threshold >= 0 AND threshold <= 1),
    valid_from  INTEGER NOT NULL CHECK (valid_from % 100 BETWEEN 1 AND 12),
    set_by      INTEGER REFERENCES users(id),
    set_at      BIGINT NOT NULL,
    UNIQUE (unit_id, indicator, valid_from)
);

-- An alert about a unit. dedup_key names the event ('rating:<id>',
-- 'target:<unit>:<indicator>:<yyyymm>') so that a restart or a second check cannot raise it twice.
-- Texts are kept in both languages as they were when raised: an alert is a record of what was
-- said, not a view recomputed later.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    kind        TEXT NOT NULL CHECK (kind IN ('unsatisfied_rating', 'target_missed')),
    dedup_key   TEXT NOT NULL UNIQUE,
    rating_id   INTEGER REFERENCES ratings(id),
    indicator   TEXT,
    month       INTEGER,
    subject_vi  TEXT NOT NULL,
    subject_en  TEXT NOT NULL,
    body_vi     TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX alerts_rating ON alerts(rating_id);

-- Who was told, fixed when the alert is raised (leaders of the unit and of its ancestors then),
-- with each person's own read mark and e-mail outcome: "was the leader told, did they read it"
-- has one answer per person, and a leader moved to another unit later does not start seeing
-- the old unit's alerts, nor lose the ones they were sent.
CREATE TABLE alert_recipients (
    alert_id      INTEGER NOT NULL REFERENCES alerts(id),
    user_id       INTEGER NOT NULL REFERENCES users(id),
    read_at       BIGINT,
    -- NULL: no address; 'sent' (SMTP), 'logged' (no SMTP configured) or 'failed'.
    email_status  TEXT,
    email_error   TEXT,
    email_at      BIGINT,
    PRIMARY KEY (alert_id, user_id)
);
CREATE INDEX alert_recipients_inbox ON alert_recipients(user_id, read_at);

-- Where alert e-mails go; optional (alerts are always kept in the application).
ALTER TABLE users ADD COLUMN email TEXT;
