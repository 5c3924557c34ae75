-- The GitHub AI repositories that gained most stars over the last $days days: latest snapshot against the
-- latest one at least $days days older (else the earliest); repositories listed in both.
WITH days AS (
    SELECT DISTINCT snapshot_date FROM repo_snapshots
),
bounds AS (
    SELECT max(snapshot_date) AS latest,
           coalesce(max(snapshot_date) FILTER (WHERE snapshot_date <= (SELECT max(snapshot_date) FROM days)
                                                                      - $days::INTEGER),
                    min(snapshot_date)) AS baseline
    FROM days
)
SELECT r.full_name AS repository, n.stars - o.stars AS stars_gained, n.stars, b.baseline,
       b.latest AS snapshot_date
FROM bounds b
JOIN repo_snapshots n ON n.snapshot_date = b.latest
JOIN repo_snapshots o ON o.repo_id = n.repo_id AND o.snapshot_date = b.baseline
JOIN repos r ON r.repo_id = n.repo_id
WHERE b.baseline < b.latest
ORDER BY stars_gained DESC, repository
LIMIT $top;
