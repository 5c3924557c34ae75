-- Every snapshot day the report rests on, per source: rows it holds and how its runs ended.
WITH days AS (
    SELECT hub AS source, snapshot_date, models AS rows_held, 'models' AS what FROM hub_snapshot_counts
    UNION ALL
    SELECT 'github', snapshot_date, count(*), 'repositories' FROM repo_snapshots GROUP BY ALL
    UNION ALL
    SELECT source, snapshot_date, count(*), 'search windows' FROM search_counts GROUP BY ALL
)
SELECT d.source, d.snapshot_date, d.what, d.rows_held,
       (SELECT string_agg(DISTINCT r.status, ', ') FROM runs r
        WHERE r.source = d.source AND r.snapshot_date = d.snapshot_date) AS run_status
FROM days d
ORDER BY d.source, d.what, d.snapshot_date;
