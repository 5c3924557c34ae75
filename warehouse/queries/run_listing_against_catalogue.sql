-- A run's listing beside the hub's own total (its latest page's) and the last complete listing of the same scope.
SELECT r.records,
       r.catalog_total,
       (SELECT p.records
        FROM runs p
        WHERE p.source = r.source AND p.scope = r.scope AND p.status = 'succeeded' AND p.run_id <> r.run_id
        ORDER BY p.snapshot_date DESC, p.run_id DESC
        LIMIT 1) AS last_complete
FROM runs r
WHERE r.run_id = $run_id;
