-- The aggregates keyed in the order the views read them (issue 4); the same keys as SQLite's
-- migration 0010. A rating view asks for one dimension in one or a few buckets (a unit's
-- officials this month, every commune's totals this year): keyed (dim, bucket, unit_id, …)
-- with the counts included in the key's index, such a read is one range of one index
-- (index-only once the rows are settled). The two secondary indexes of 0006 and 0009 go.
ALTER TABLE rating_agg DROP CONSTRAINT rating_agg_pkey;
DROP INDEX rating_agg_bucket;
DROP INDEX rating_agg_totals;
ALTER TABLE rating_agg ADD PRIMARY KEY (dim, bucket, unit_id, key, question)
    INCLUDE (l1, l2, l3, l4, l5, top_offered, flagged);
CLUSTER rating_agg USING rating_agg_pkey;

-- Dossier figures are mostly read one unit at a time and from its first month on (open and
-- overdue at a month's end are the sums of the monthly differences up to it), hence the key
-- (unit, dim, bucket); reads across units (sub-units, rankings) take the second index.
ALTER TABLE dossier_agg DROP CONSTRAINT dossier_agg_pkey;
DROP INDEX dossier_agg_bucket;
ALTER TABLE dossier_agg ADD PRIMARY KEY (unit_id, dim, bucket, key);
CREATE INDEX dossier_agg_bucket ON dossier_agg (dim, bucket, unit_id);
CLUSTER dossier_agg USING dossier_agg_pkey;
ANALYZE rating_agg;
ANALYZE dossier_agg;
