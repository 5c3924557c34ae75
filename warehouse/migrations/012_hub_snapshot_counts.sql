-- How many models each hub listed on each snapshot day, kept beside the facts by every merge
-- (warehouse/queries/merge_staged_models.sql recounts the day of each hub it wrote). The per-day trends
-- and each hub's latest day read this instead of joining a year of facts to the models: at a million
-- models x 365 days that join alone takes tens of seconds (benchmarks/history.py).
CREATE TABLE hub_snapshot_counts (
    hub           VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    models        BIGINT NOT NULL              -- rows of model_snapshot_facts of the hub's models on that day
);

INSERT INTO hub_snapshot_counts
SELECT m.hub, f.snapshot_date, count(*)
FROM model_snapshot_facts f JOIN models m USING (model_key)
GROUP BY m.hub, f.snapshot_date
ORDER BY f.snapshot_date, m.hub;

-- Each hub's latest snapshot day (as 010 defined it), from the counts.
CREATE OR REPLACE VIEW hub_latest_snapshot AS
SELECT hub, max(snapshot_date) AS snapshot_date
FROM hub_snapshot_counts
GROUP BY hub;

-- model_period_downloads (009) with its hubs' snapshot days from the counts.
CREATE OR REPLACE VIEW model_period_downloads AS
WITH hub_dates AS (
    SELECT hub, snapshot_date, lag(snapshot_date) OVER (PARTITION BY hub ORDER BY snapshot_date) AS previous_date
    FROM hub_snapshot_counts
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
