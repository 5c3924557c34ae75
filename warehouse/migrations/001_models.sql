-- The run ledger, the model catalogue of both hubs, their dated snapshots and lineage.

CREATE SEQUENCE run_ids START 1;
CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY DEFAULT nextval('run_ids'),
    source        VARCHAR NOT NULL,            -- huggingface | modelscope | github
    scope         VARCHAR NOT NULL,            -- JSON of what was asked (endpoint, filters); never a token
    snapshot_date DATE NOT NULL,               -- the day the run's snapshot belongs to
    status        VARCHAR NOT NULL,            -- running | succeeded | failed | abandoned
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    pages         INTEGER NOT NULL DEFAULT 0,
    records       BIGINT NOT NULL DEFAULT 0,
    cursor        VARCHAR,                     -- where the next page starts (the checkpoint)
    catalog_total BIGINT,                      -- the source's own total, where it reports one
    error         VARCHAR,
    resumable     BOOLEAN NOT NULL DEFAULT true, -- stopped early on its snapshot day: the next run goes on from its cursor
    CHECK (status IN ('running', 'succeeded', 'failed', 'abandoned'))
);

CREATE SEQUENCE model_keys START 1;
CREATE TABLE models (
    model_key     INTEGER NOT NULL DEFAULT nextval('model_keys'),
    hub           VARCHAR NOT NULL,            -- huggingface | modelscope
    model_id      VARCHAR NOT NULL,            -- owner/name as the hub spells it
    author        VARCHAR,
    created_at    TIMESTAMP,                   -- UTC
    last_modified TIMESTAMP,
    pipeline_tag  VARCHAR,
    library_name  VARCHAR,
    license       VARCHAR,
    tags          VARCHAR[],
    gated         VARCHAR,
    private       BOOLEAN,
    first_seen    DATE NOT NULL,               -- first snapshot that listed it
    last_seen     DATE NOT NULL,               -- latest snapshot that listed it
    gone_since    DATE                         -- first full snapshot that no longer listed it
);

-- One row per model per snapshot day, keyed compactly; read it through the model_snapshots view.
CREATE TABLE model_snapshot_facts (
    model_key          INTEGER NOT NULL,
    snapshot_date      DATE NOT NULL,
    downloads          BIGINT,                 -- the hub's trailing 30-day count (HF) or all-time (ModelScope)
    downloads_all_time BIGINT,
    likes              INTEGER
);

CREATE VIEW model_snapshots AS
SELECT m.hub, m.model_id, f.snapshot_date, f.downloads, f.downloads_all_time, f.likes
FROM model_snapshot_facts f JOIN models m USING (model_key);

CREATE TABLE lineage (
    hub        VARCHAR NOT NULL,               -- the child's hub; the parent may live elsewhere or nowhere
    child_id   VARCHAR NOT NULL,
    parent_id  VARCHAR NOT NULL,
    relation   VARCHAR NOT NULL,
    provenance VARCHAR NOT NULL,               -- baseModels | tag | card: the most direct form that named the edge
    CHECK (relation IN ('finetune', 'adapter', 'quantized', 'merge', 'unknown'))
);

-- Pages land here inside the transaction that moves the run's checkpoint; a run's end merges them.
CREATE TABLE stage_models (
    run_id INTEGER NOT NULL, page INTEGER NOT NULL,
    hub VARCHAR, model_id VARCHAR, author VARCHAR, created_at TIMESTAMP, last_modified TIMESTAMP,
    pipeline_tag VARCHAR, library_name VARCHAR, license VARCHAR, tags VARCHAR[], gated VARCHAR,
    private BOOLEAN, downloads BIGINT, downloads_all_time BIGINT, likes INTEGER
);
CREATE TABLE stage_lineage (
    run_id INTEGER NOT NULL, page INTEGER NOT NULL,
    hub VARCHAR, child_id VARCHAR, parent_id VARCHAR, relation VARCHAR, provenance VARCHAR
);

-- The catalogue as it stood on a past snapshot date, not back-counted from today's survivors.
CREATE MACRO models_as_of(day) AS TABLE
SELECT * FROM models WHERE first_seen <= day AND (gone_since IS NULL OR gone_since > day);
