-- Each claim's verdict at its latest check: what a new check is compared with.
SELECT claim_id, verdict
FROM claim_verdicts
QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY checked_at DESC, check_id DESC) = 1;
