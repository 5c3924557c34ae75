-- How many models each hub listed on each snapshot day (a day whose run failed counts what it loaded).
SELECT s.snapshot_date, s.hub, s.models,
       (SELECT string_agg(DISTINCT r.status, ', ') FROM runs r
        WHERE r.source = s.hub AND r.snapshot_date = s.snapshot_date) AS run_status
FROM hub_snapshot_counts s
ORDER BY s.snapshot_date, s.hub;
