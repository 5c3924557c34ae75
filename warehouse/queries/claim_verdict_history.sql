-- Every stored verdict of one claim, oldest first: how the verdict and its figures changed.
SELECT check_id, checked_at, verdict, snapshot_date, measured, reported, reason, figures
FROM claim_verdicts
WHERE claim_id = $claim_id
ORDER BY checked_at, check_id;
