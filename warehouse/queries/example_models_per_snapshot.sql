-- An example the demo suggests: how many models each hub had on each snapshot day.
SELECT hub, snapshot_date, count(*) AS models FROM model_snapshots GROUP BY ALL ORDER BY ALL;
