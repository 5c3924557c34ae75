-- Appends one claim's verdict of one check.
INSERT INTO claim_verdicts (check_id, claim_id, checked_at, verdict, measured, reported, snapshot_date, reason,
                            figures, evidence, method, sources)
VALUES ($check_id, $claim_id, $checked_at, $verdict, $measured, $reported, $snapshot_date, $reason,
        $figures, $evidence, $method, $sources);
