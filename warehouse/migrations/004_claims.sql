-- Claim checks: every check's verdict on each claim, with the figures and the evidence it rests on.
-- Append-only: the history of a verdict is itself a trend ("since when has Qwen led?").

CREATE SEQUENCE check_ids START 1;
CREATE TABLE claim_verdicts (
    check_id      INTEGER NOT NULL,            -- one run of the checks: the claims it judged share it
    claim_id      VARCHAR NOT NULL,            -- as in docs/claims.md and reports/claims/<id>.toml
    checked_at    TIMESTAMP NOT NULL,          -- UTC
    verdict       VARCHAR NOT NULL,
    measured      VARCHAR,                     -- the measured figure, in words
    reported      VARCHAR,                     -- the report's figure
    snapshot_date DATE,                        -- the latest snapshot of the sources the verdict rests on
    reason        VARCHAR NOT NULL,
    figures       JSON,                        -- the measured figures by name, for the history
    evidence      JSON NOT NULL,               -- the evidence table: a list of rows keyed by column name
    method        VARCHAR,
    sources       JSON,                        -- per source: the snapshot used, or why there is none
    CHECK (verdict IN ('supported', 'contradicted', 'insufficient data'))
);
