-- Unit totals (dim 0) of the rating aggregate, by bucket, with their counts: a ranking of every
-- commune in the country reads one contiguous range of this index instead of one seek per unit
-- into rows interleaved with the unit's officials, counters and hours.
CREATE INDEX rating_agg_totals ON rating_agg (bucket, unit_id, l1, l2, l3, l4, l5, top_offered, flagged)
    WHERE dim = 0;
