-- An example the demo suggests: each claim's latest verdict.
SELECT claim_id, verdict, measured FROM claim_verdicts ORDER BY claim_id;
