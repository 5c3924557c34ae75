-- The models whose all-time downloads grew most over the last $days days: latest snapshot against the latest
-- one at least $days days older (else the earliest), per hub; models listed in both snapshots.
WITH days AS (
    SELECT hub, snapshot_date FROM hub_snapshot_counts
),
latest AS (
    SELECT hub, max(snapshot_date) AS latest FROM days GROUP BY hub
),
bounds AS (
    SELECT l.hub, l.latest,
           coalesce(max(d.snapshot_date) FILTER (WHERE d.snapshot_date <= l.latest - $days::INTEGER),
                    min(d.snapshot_date)) AS baseline
    FROM latest l JOIN days d USING (hub)
    GROUP BY l.hub, l.latest
)
SELECT n.model_id || CASE n.hub WHEN 'huggingface' THEN ' (HF)' WHEN 'modelscope' THEN ' (MS)' ELSE ' (' || n.hub || ')' END
           AS model, n.hub, n.model_id,
       n.downloads_all_time - o.downloads_all_time AS downloads_gained, n.likes - o.likes AS likes_gained,
       n.downloads_all_time, b.baseline, b.latest AS snapshot_date
FROM bounds b
JOIN model_snapshots n ON n.hub = b.hub AND n.snapshot_date = b.latest
JOIN model_snapshots o ON o.hub = b.hub AND o.model_id = n.model_id AND o.snapshot_date = b.baseline
WHERE b.baseline < b.latest AND n.downloads_all_time IS NOT NULL AND o.downloads_all_time IS NOT NULL
ORDER BY downloads_gained DESC, model
LIMIT $top;
