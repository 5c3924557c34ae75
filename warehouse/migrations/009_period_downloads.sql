-- Downloads per period: the difference of a model's all-time downloads between its consecutive snapshots
-- (the Hub publishes no time series; its 30-day count overlaps from one snapshot to the next).
-- Every difference is kept; `flag` says which cannot be taken as the period's downloads:
--   missing  - either snapshot lacks the all-time count (older snapshot files have no such column)
--   negative - the count went down (the hub recounted, or the repository was recreated under its name)
--   gap      - the model was absent from a snapshot of its hub in between: the period spans several
-- NULL: a clean difference over one period of the hub's snapshots.
CREATE VIEW model_period_downloads AS
WITH hub_dates AS (
    SELECT hub, snapshot_date, lag(snapshot_date) OVER (PARTITION BY hub ORDER BY snapshot_date) AS previous_date
    FROM (SELECT DISTINCT m.hub, f.snapshot_date FROM model_snapshot_facts f JOIN models m USING (model_key))
),
consecutive AS (
    SELECT model_key, snapshot_date AS period_end, downloads_all_time,
           lag(snapshot_date) OVER w AS period_start,
           lag(downloads_all_time) OVER w AS previous_all_time
    FROM model_snapshot_facts
    WINDOW w AS (PARTITION BY model_key ORDER BY snapshot_date)
)
SELECT m.hub, m.model_id, c.period_start, c.period_end,
       c.downloads_all_time - c.previous_all_time AS downloads,
       CASE WHEN c.downloads_all_time IS NULL OR c.previous_all_time IS NULL THEN 'missing'
            WHEN c.downloads_all_time < c.previous_all_time THEN 'negative'
            WHEN c.period_start <> d.previous_date THEN 'gap'
       END AS flag
FROM consecutive c
JOIN models m USING (model_key)
JOIN hub_dates d ON d.hub = m.hub AND d.snapshot_date = c.period_end
WHERE c.period_start IS NOT NULL;
