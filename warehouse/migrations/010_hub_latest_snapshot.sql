-- Each hub's latest snapshot day. The newest day's hubs come from that day alone (its zonemap skips the
-- others); only a hub missing on it costs a scan of its own facts. A max over the whole model_snapshots
-- view costs seconds per hundred million rows (benchmarks/history.py).
CREATE VIEW hub_latest_snapshot AS
WITH on_newest_day AS (
    SELECT m.hub, any_value(f.snapshot_date) AS snapshot_date
    FROM model_snapshot_facts f JOIN models m USING (model_key)
    WHERE f.snapshot_date = (SELECT max(snapshot_date) FROM model_snapshot_facts)
    GROUP BY m.hub
),
older AS (
    SELECT m.hub, max(f.snapshot_date) AS snapshot_date
    FROM model_snapshot_facts f
    JOIN (SELECT model_key, hub FROM models WHERE hub NOT IN (SELECT hub FROM on_newest_day)) m USING (model_key)
    GROUP BY m.hub
)
SELECT hub, snapshot_date FROM on_newest_day
UNION ALL
SELECT hub, snapshot_date FROM older;
