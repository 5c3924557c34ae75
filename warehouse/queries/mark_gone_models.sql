-- After a complete listing of the whole catalogue: models it no longer lists are gone, not deleted.
UPDATE models
SET gone_since = $snapshot_date
WHERE gone_since IS NULL
  AND last_seen < $snapshot_date
  AND hub = (SELECT CASE source WHEN 'github' THEN NULL ELSE source END FROM runs WHERE run_id = $run_id);
