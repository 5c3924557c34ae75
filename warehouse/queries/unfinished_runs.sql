-- Runs of a source that stopped before their end: resumable on their own day, abandoned after.
SELECT run_id, scope, snapshot_date, cursor, pages, records, status, catalog_total
FROM runs
WHERE source = $source AND resumable
ORDER BY run_id;
