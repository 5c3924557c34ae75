-- The order a day's snapshot facts are written in (merge_staged_models.sql): by the size class of their
-- downloads (the bits the count takes), then by model key. Storage only: no query depends on it, but a
-- query without ORDER BY (and an export of model_snapshots) lists a day's rows in this order.
-- DuckDB bit-packs each run of 2,048 values of a column at the width of the run's largest value, and the
-- counts are heavy-tailed (many models have no downloads, a few have millions). In key order nearly every
-- run holds some large count, so every value takes its width; grouped by size class, a run holds values
-- of one width, and the keys, still rising within a class, pack into a few bits. At 1,000,000 models x
-- 365 days (benchmarks/history.py): 1.15 GB against 2.55 GB in key order; what that owes to the synthetic
-- counts is in benchmarks/README.md. Rows already stored keep the order they were written in.
CREATE MACRO downloads_size_class(downloads) AS ceil(log2(greatest(downloads, 0)::DOUBLE + 1));
