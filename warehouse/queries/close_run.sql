-- A run from an earlier day (or another scope) that will not be resumed.
UPDATE runs
SET status = CASE status WHEN 'running' THEN 'abandoned' ELSE status END,
    error = CASE status WHEN 'running' THEN 'stopped without a word (killed?); its pages were kept' ELSE error END,
    resumable = false,
    finished_at = coalesce(finished_at, now()::TIMESTAMP)
WHERE run_id = $run_id;
