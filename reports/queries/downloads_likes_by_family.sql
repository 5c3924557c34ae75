-- All-time downloads and likes of each lineage family's models, per hub, at each hub's latest snapshot.
-- All-time downloads because the hubs' other counts differ (Hugging Face: trailing 30 days); a merge of
-- two families counts in both.
SELECT f.family, s.hub, count(*) AS models, sum(s.downloads_all_time) AS downloads_all_time,
       sum(s.likes) AS likes, any_value(s.snapshot_date) AS snapshot_date
FROM model_snapshots s
JOIN hub_latest_snapshot USING (hub, snapshot_date)
JOIN (SELECT DISTINCT hub, model_id, family FROM model_family) f USING (hub, model_id)
GROUP BY f.family, s.hub
ORDER BY downloads_all_time DESC NULLS LAST, f.family, s.hub;
