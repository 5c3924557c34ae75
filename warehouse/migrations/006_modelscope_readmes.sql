-- Which ModelScope readmes have been read, at which last_modified, and the parents their front matter named:
-- the collector reads a model's readme again only once the model has changed since (collectors/modelscope.py).

CREATE TABLE readme_reads (
    hub           VARCHAR NOT NULL,            -- modelscope
    model_id      VARCHAR NOT NULL,
    last_modified TIMESTAMP,                   -- the model's last_modified when its readme was read
    parents       VARCHAR[] NOT NULL,          -- the front matter's base_model entries (none: an empty list)
    read_on       DATE NOT NULL,               -- the snapshot date of the run that read it
    PRIMARY KEY (hub, model_id)
);

CREATE TABLE stage_readme_reads (
    run_id INTEGER NOT NULL, page INTEGER NOT NULL,
    hub VARCHAR, model_id VARCHAR, last_modified TIMESTAMP, parents VARCHAR[]
);

-- One meaning per column: `downloads` is a trailing 30-day count (Hugging Face's). ModelScope reports only an
-- all-time count, kept in downloads_all_time; earlier runs also copied it into `downloads`.
UPDATE model_snapshot_facts SET downloads = NULL
WHERE model_key IN (SELECT model_key FROM models WHERE hub = 'modelscope');
