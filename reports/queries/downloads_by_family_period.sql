-- Downloads per lineage family and period between a hub's consecutive snapshots, from the differences of
-- all-time counts each snapshot row keeps (migration 013; model_period_downloads shows them by model). A
-- flagged difference (missing, negative, or spanning a gap in the model's snapshots) is left out of the
-- sum and counted beside it, never hidden. Joined by model key: a year of rows joined to model ids by name
-- would cost more than all the rest.
WITH periods AS (
    SELECT m.family_id, m.hub, f.period_start, f.snapshot_date AS period_end, f.downloads_period AS downloads,
           period_flag(f.downloads_period, f.period_start, d.previous_date) AS flag
    FROM model_snapshot_facts f
    JOIN family_members m USING (model_key)      -- one row per model and family
    JOIN hub_snapshot_days d ON d.hub = m.hub AND d.snapshot_date = f.snapshot_date
    WHERE f.period_start IS NOT NULL
)
SELECT n.family, p.hub, p.period_start, p.period_end, p.period_end AS snapshot_date,
       sum(p.downloads) FILTER (WHERE p.flag IS NULL) AS downloads,
       count(*) FILTER (WHERE p.flag IS NULL) AS models,
       count(*) FILTER (WHERE p.flag IS NOT NULL) AS flagged_models,
       coalesce(sum(p.downloads) FILTER (WHERE p.flag = 'negative'), 0) AS negative_downloads
FROM periods p
JOIN family_names n USING (family_id)
GROUP BY ALL
ORDER BY p.hub, n.family, p.period_end;
