-- No query reads ratings by official: per-official figures come from the aggregates and
-- raw ratings are listed by unit and time (ratings_unit_time). The index only cost
-- every rating written a random insertion and a bulk load of 10 million ratings a 20-second sort.
DROP INDEX ratings_official_time;
