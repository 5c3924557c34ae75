-- Folds a run's staged models, snapshots and lineage into the warehouse; safe to repeat.

-- A model listed twice in one run (the hub's order shifted between pages) counts once: its latest page.
CREATE OR REPLACE TEMP TABLE run_models AS
SELECT * EXCLUDE (run_id)
FROM stage_models
WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY hub, model_id ORDER BY page DESC) = 1;

UPDATE models
SET author = r.author, created_at = r.created_at, last_modified = r.last_modified,
    pipeline_tag = r.pipeline_tag, library_name = r.library_name, license = r.license,
    tags = r.tags, gated = r.gated, private = r.private,
    first_seen = least(models.first_seen, $snapshot_date),
    last_seen = greatest(models.last_seen, $snapshot_date),
    gone_since = CASE WHEN models.gone_since <= $snapshot_date THEN NULL ELSE models.gone_since END
FROM run_models r
WHERE models.hub = r.hub AND models.model_id = r.model_id;

INSERT INTO models (hub, model_id, author, created_at, last_modified, pipeline_tag, library_name,
                    license, tags, gated, private, first_seen, last_seen)
SELECT r.hub, r.model_id, r.author, r.created_at, r.last_modified, r.pipeline_tag, r.library_name,
       r.license, r.tags, r.gated, r.private, $snapshot_date, $snapshot_date
FROM run_models r
ANTI JOIN models m ON m.hub = r.hub AND m.model_id = r.model_id
ORDER BY r.hub, r.model_id;

CREATE OR REPLACE TEMP TABLE run_keys AS
SELECT m.model_key, r.hub, r.model_id, r.page, r.downloads, r.downloads_all_time, r.likes
FROM run_models r JOIN models m ON m.hub = r.hub AND m.model_id = r.model_id;

DELETE FROM model_snapshot_facts
WHERE snapshot_date = $snapshot_date AND model_key IN (SELECT model_key FROM run_keys);

INSERT INTO model_snapshot_facts
SELECT model_key, $snapshot_date, downloads, downloads_all_time, likes
FROM run_keys
ORDER BY model_key;

-- A child's edges are as its latest listing says: replace them, never append.
DELETE FROM lineage
WHERE EXISTS (SELECT 1 FROM run_keys k WHERE k.hub = lineage.hub AND k.model_id = lineage.child_id);

INSERT INTO lineage
SELECT DISTINCT s.hub, s.child_id, s.parent_id, s.relation, s.provenance
FROM stage_lineage s
JOIN run_keys k ON k.hub = s.hub AND k.model_id = s.child_id AND k.page = s.page
WHERE s.run_id = $run_id;

DROP TABLE run_keys;
DROP TABLE run_models;

-- The readmes read in this run (ModelScope's incremental lineage): the latest reading of each model wins.
INSERT OR REPLACE INTO readme_reads
SELECT hub, model_id, last_modified, coalesce(parents, []::VARCHAR[]), $snapshot_date
FROM stage_readme_reads
WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY hub, model_id ORDER BY page DESC) = 1;
