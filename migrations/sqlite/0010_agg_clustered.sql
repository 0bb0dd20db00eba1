-- The aggregates stored in the order the views read them (issue 4). A rating view asks for one
-- dimension in one or a few buckets: a unit's officials this month, every commune's totals this
-- year. Keyed (dim, bucket, unit_id, …) and stored in that key's order (WITHOUT ROWID), such a
-- read is one contiguous range of the table itself: no secondary index, no lookup per row, and
-- a unit's hour-of-week cells no longer sit between its totals and its officials. The two
-- secondary indexes of 0006 and 0009 go: the key now serves what they served.
CREATE TABLE rating_agg_clustered (
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
    PRIMARY KEY (dim, bucket, unit_id, key, question)
) WITHOUT ROWID;
INSERT INTO rating_agg_clustered
    SELECT unit_id, bucket, dim, key, question, l1, l2, l3, l4, l5, top_offered, flagged
    FROM rating_agg;
DROP TABLE rating_agg;
ALTER TABLE rating_agg_clustered RENAME TO rating_agg;

CREATE TABLE dossier_agg_clustered (
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
    PRIMARY KEY (unit_id, dim, bucket, key)
) WITHOUT ROWID;
INSERT INTO dossier_agg_clustered
    SELECT unit_id, bucket, dim, key, received, received_online, finished, early, on_time, late,
           returned, overdue_delta, open_delta
    FROM dossier_agg;
DROP TABLE dossier_agg;
ALTER TABLE dossier_agg_clustered RENAME TO dossier_agg;
-- Dossier figures are mostly read one unit at a time and from its first month on (open and
-- overdue at a month's end are the sums of the monthly differences up to it), hence the key
-- (unit, dim, bucket); reads across units (sub-units, rankings) take this index.
CREATE INDEX dossier_agg_bucket ON dossier_agg (dim, bucket, unit_id);
