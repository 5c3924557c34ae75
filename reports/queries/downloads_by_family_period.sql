-- Downloads per lineage family and period between a hub's consecutive snapshots, from the differences of
-- all-time counts (model_period_downloads). A flagged difference (missing, negative, or spanning a gap in
-- the model's snapshots) is left out of the sum and counted beside it, never hidden.
SELECT f.family, p.hub, p.period_start, p.period_end, p.period_end AS snapshot_date,
       sum(p.downloads) FILTER (WHERE p.flag IS NULL) AS downloads,
       count(*) FILTER (WHERE p.flag IS NULL) AS models,
       count(*) FILTER (WHERE p.flag IS NOT NULL) AS flagged_models,
       coalesce(sum(p.downloads) FILTER (WHERE p.flag = 'negative'), 0) AS negative_downloads
FROM model_period_downloads p
JOIN (SELECT DISTINCT hub, model_id, family FROM model_family) f USING (hub, model_id)
GROUP BY ALL
ORDER BY p.hub, f.family, p.period_end;
