-- Each snapshot row keeps the period since its model's previous snapshot: that day and the difference of
-- the all-time counts. model_period_downloads (009, 012) found them with a window over every fact, which
-- at a million models x 365 days held 12 GB and ran for minutes (benchmarks/history.py); the merge
-- (warehouse/queries/merge_staged_models.sql) now writes them, and mends the model's next row when it
-- loads an older snapshot (a backfill). Nearly free on disk: a day's period_start is one value, and the
-- difference packs into fewer bits than the count.
-- The table is rebuilt (in snapshot-day, model-key order, as the merges write it) rather than updated in
-- place: one pass, and no update of every row kept beside the table until the next checkpoint.
CREATE TABLE model_snapshot_facts_013 (
    model_key          INTEGER NOT NULL,
    snapshot_date      DATE NOT NULL,
    downloads          BIGINT,                 -- the hub's trailing 30-day count (HF; ModelScope has none: 006)
    downloads_all_time BIGINT,
    likes              INTEGER,
    period_start       DATE,                   -- the model's previous snapshot; NULL on its first
    downloads_period   BIGINT                  -- downloads_all_time minus period_start's; NULL if either lacks it
);

INSERT INTO model_snapshot_facts_013
SELECT model_key, snapshot_date, downloads, downloads_all_time, likes,
       lag(snapshot_date) OVER w, downloads_all_time - lag(downloads_all_time) OVER w
FROM model_snapshot_facts
WINDOW w AS (PARTITION BY model_key ORDER BY snapshot_date)
ORDER BY snapshot_date, model_key;

DROP TABLE model_snapshot_facts;
ALTER TABLE model_snapshot_facts_013 RENAME TO model_snapshot_facts;

-- Why a period's difference cannot be taken as its downloads (NULL: it can):
--   missing  - either snapshot lacks the all-time count (older snapshot files have no such column)
--   negative - the count went down (the hub recounted, or the repository was recreated under its name)
--   gap      - the model was absent from a snapshot of its hub in between: the period spans several
CREATE MACRO period_flag(downloads, period_start, hub_previous_date) AS
CASE WHEN downloads IS NULL THEN 'missing'
     WHEN downloads < 0 THEN 'negative'
     WHEN period_start <> hub_previous_date THEN 'gap'
END;

-- Each hub's snapshot days, each with the one before it.
CREATE VIEW hub_snapshot_days AS
SELECT hub, snapshot_date, lag(snapshot_date) OVER (PARTITION BY hub ORDER BY snapshot_date) AS previous_date
FROM hub_snapshot_counts;

-- model_period_downloads (009) read from the stored periods: every difference kept, flagged as above.
CREATE OR REPLACE VIEW model_period_downloads AS
SELECT m.hub, m.model_id, f.period_start, f.snapshot_date AS period_end, f.downloads_period AS downloads,
       period_flag(f.downloads_period, f.period_start, d.previous_date) AS flag
FROM model_snapshot_facts f
JOIN models m USING (model_key)
JOIN hub_snapshot_days d ON d.hub = m.hub AND d.snapshot_date = f.snapshot_date
WHERE f.period_start IS NOT NULL;
