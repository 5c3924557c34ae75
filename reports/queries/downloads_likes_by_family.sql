-- All-time downloads and likes of each lineage family's models, per hub, at each hub's latest snapshot.
-- All-time downloads because the hubs' other counts differ (Hugging Face: trailing 30 days); a merge of
-- two families counts in both. The facts are filtered on the latest days first: their zonemaps then skip
-- the rest of the history.
SELECT f.family, m.hub, count(*) AS models, sum(s.downloads_all_time) AS downloads_all_time,
       sum(s.likes) AS likes, any_value(s.snapshot_date) AS snapshot_date
FROM model_snapshot_facts s
JOIN models m USING (model_key)
JOIN hub_latest_snapshot l ON l.hub = m.hub AND l.snapshot_date = s.snapshot_date
JOIN (SELECT DISTINCT hub, model_id, family FROM model_family) f ON f.hub = m.hub AND f.model_id = m.model_id
WHERE s.snapshot_date IN (SELECT snapshot_date FROM hub_latest_snapshot)
GROUP BY f.family, m.hub
ORDER BY downloads_all_time DESC NULLS LAST, f.family, m.hub;
