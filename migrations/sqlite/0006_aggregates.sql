-- Aggregates that reports read instead of raw rows (DOMAIN §10; issue 4). Every figure here is
-- kept up to date in the same transaction as the raw change it follows, and `hailong rebuild`
-- recomputes all of it from raw rows. Each row is kept for the unit the data belongs to and for
-- every unit above it, so a province's figures are one row, not a scan of its communes.
-- bucket: yyyymm (month), yyyy*100+20+q (quarter), yyyy*100 (year).

-- Ratings. dim 0 whole unit, 1 official (key official id, 0 none), 2 counter (key counter id,
-- 0 none), 3 hour of the week (key weekday*100+hour; months only), 4 question (months only).
-- l1..l5: unflagged ballots per level (5 = very satisfied); top_offered: unflagged ballots on
-- a scale offering "very satisfied"; flagged: ballots flagged as misuse, excluded above.
CREATE TABLE rating_agg (
    unit_id      BIGINT NOT NULL,
    bucket       INTEGER NOT NULL,
    dim          SMALLINT NOT NULL,
    key          BIGINT NOT NULL,
    question     TEXT NOT NULL DEFAULT '',
    l1           BIGINT NOT NULL DEFAULT 0,
    l2           BIGINT NOT NULL DEFAULT 0,
    l3           BIGINT NOT NULL DEFAULT 0,
    l4           BIGINT NOT NULL DEFAULT 0,
    l5           BIGINT NOT NULL DEFAULT 0,
    top_offered  BIGINT NOT NULL DEFAULT 0,
    flagged      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, bucket, dim, key, question)
);
-- Rankings read one bucket across many units.
CREATE INDEX rating_agg_bucket ON rating_agg(bucket, dim, unit_id);

-- Dossiers. dim 0 whole unit, 2 counter (returned only, for response rates).
-- overdue_delta and open_delta live on month rows only: the dossiers open (and open and
-- overdue) at the end of month M are the sums of the deltas of months up to M.
CREATE TABLE dossier_agg (
    unit_id          BIGINT NOT NULL,
    bucket           INTEGER NOT NULL,
    dim              SMALLINT NOT NULL,
    key              BIGINT NOT NULL,
    received         BIGINT NOT NULL DEFAULT 0,
    received_online  BIGINT NOT NULL DEFAULT 0,
    finished         BIGINT NOT NULL DEFAULT 0,
    early            BIGINT NOT NULL DEFAULT 0,
    on_time          BIGINT NOT NULL DEFAULT 0,
    late             BIGINT NOT NULL DEFAULT 0,
    returned         BIGINT NOT NULL DEFAULT 0,
    overdue_delta    BIGINT NOT NULL DEFAULT 0,
    open_delta       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, bucket, dim, key)
);
CREATE INDEX dossier_agg_bucket ON dossier_agg(bucket, dim, unit_id);

-- Dossiers open now, by the local date (yyyymmdd) after which they are overdue
-- (99991231: paused for the applicant; 19000101: late whatever the date).
CREATE TABLE dossier_open_agg (
    unit_id  BIGINT NOT NULL,
    due_day  INTEGER NOT NULL,
    n        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, due_day)
);
