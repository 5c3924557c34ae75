-- The succeeded Hugging Face runs of a snapshot day: the tracker's own (no "backfill" in its scope)
-- or a backfill's, with the revision and checksum of the file it loaded.
SELECT run_id,
       json_extract_string(scope, '$.backfill') AS backfill,
       json_extract_string(scope, '$.revision') AS revision,
       json_extract_string(scope, '$.sha256') AS sha256
FROM runs
WHERE source = $source AND status = 'succeeded' AND snapshot_date = $day
ORDER BY run_id;
