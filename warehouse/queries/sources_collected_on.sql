-- Sources with a complete run for the given snapshot day.
SELECT DISTINCT source FROM runs WHERE status = 'succeeded' AND snapshot_date = $day ORDER BY source;
