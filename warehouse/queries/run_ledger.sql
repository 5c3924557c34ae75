-- The latest runs, newest first.
SELECT run_id, source, status, snapshot_date, started_at, finished_at, pages, records, catalog_total, error
FROM runs
ORDER BY run_id DESC
LIMIT $limit;
