-- A run may end `incomplete`: it listed less than the hub's catalogue, so its pages are kept as a
-- partial snapshot and no model is marked gone. DuckDB cannot alter a CHECK, so the ledger is rebuilt.
CREATE TABLE runs_next (
    run_id        INTEGER PRIMARY KEY DEFAULT nextval('run_ids'),
    source        VARCHAR NOT NULL,
    scope         VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    status        VARCHAR NOT NULL,            -- running | succeeded | incomplete | failed | abandoned
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    pages         INTEGER NOT NULL DEFAULT 0,
    records       BIGINT NOT NULL DEFAULT 0,
    cursor        VARCHAR,
    catalog_total BIGINT,
    error         VARCHAR,
    resumable     BOOLEAN NOT NULL DEFAULT true,
    CHECK (status IN ('running', 'succeeded', 'incomplete', 'failed', 'abandoned'))
);
INSERT INTO runs_next SELECT * FROM runs;
DROP TABLE runs;
ALTER TABLE runs_next RENAME TO runs;
