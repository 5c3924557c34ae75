INSERT INTO runs (source, scope, snapshot_date, status, started_at)
VALUES ($source, $scope, $snapshot_date, 'running', now()::TIMESTAMP)
RETURNING run_id;
