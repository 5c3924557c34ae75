-- A run's new status. Only a failed or still-running run can be picked up again.
UPDATE runs
SET status = $status,
    error = $error,
    resumable = $status IN ('running', 'failed'),
    finished_at = CASE WHEN $status = 'running' THEN NULL ELSE now()::TIMESTAMP END
WHERE run_id = $run_id;
