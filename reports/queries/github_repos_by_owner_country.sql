-- AI repositories above the star threshold by their owner's country (read from the profile location), with
-- their mean stars at the latest snapshot; owners whose location names no country are "Unknown".
WITH latest AS (
    SELECT repo_id, stars, snapshot_date FROM repo_snapshots
    QUALIFY snapshot_date = max(snapshot_date) OVER ()
)
SELECT coalesce(c.name, o.country_code, 'Unknown') AS country, count(*) AS repositories,
       avg(l.stars) AS mean_stars, sum(l.stars) AS stars, any_value(l.snapshot_date) AS snapshot_date
FROM repos r
JOIN latest l USING (repo_id)
LEFT JOIN owners o ON lower(o.login) = lower(r.owner_login)
LEFT JOIN ref_countries c ON c.code = o.country_code
GROUP BY ALL
ORDER BY repositories DESC, country;
