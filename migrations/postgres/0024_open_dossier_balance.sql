-- Each unit's running balance of open and overdue dossiers, in bucket 999999
-- (`domain::period::BALANCE`): the sum of its whole-unit monthly differences. The open dossiers
-- at the end of a month are then the balance less the months after it, a few rows per unit
-- instead of every month since the first (a province dashboard's slowest read). A balance
-- already written (by a program newer than the schema) is set to the sum as well.
INSERT INTO dossier_agg (unit_id, bucket, dim, key, open_delta, overdue_delta)
SELECT unit_id, 999999, dim, key, SUM(open_delta), SUM(overdue_delta)
FROM dossier_agg
WHERE dim = 0 AND bucket % 100 BETWEEN 1 AND 12
GROUP BY unit_id, dim, key
HAVING SUM(open_delta) <> 0 OR SUM(overdue_delta) <> 0
ON CONFLICT (unit_id, dim, bucket, key) DO UPDATE
SET open_delta = excluded.open_delta, overdue_delta = excluded.overdue_delta;
