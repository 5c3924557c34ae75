-- Folds a run's staged models, snapshots and lineage into the warehouse; safe to repeat, and safe for a
-- snapshot older than what the warehouse holds (a backfill): a model's metadata and lineage edges are
-- replaced only by a snapshot at least as new as the latest that listed it; first/last seen move either way.

-- A model listed twice in one run (the hub's order shifted between pages) counts once: its latest page.
CREATE OR REPLACE TEMP TABLE run_models AS
SELECT * EXCLUDE (run_id)
FROM stage_models
WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY hub, model_id ORDER BY page DESC) = 1;

-- SET reads the row as it was: `models.last_seen` here is the latest listing before this snapshot.
UPDATE models
SET author = CASE WHEN $snapshot_date >= models.last_seen THEN r.author ELSE models.author END,
    created_at = CASE WHEN $snapshot_date >= models.last_seen THEN r.created_at ELSE models.created_at END,
    last_modified = CASE WHEN $snapshot_date >= models.last_seen THEN r.last_modified ELSE models.last_modified END,
    pipeline_tag = CASE WHEN $snapshot_date >= models.last_seen THEN r.pipeline_tag ELSE models.pipeline_tag END,
    library_name = CASE WHEN $snapshot_date >= models.last_seen THEN r.library_name ELSE models.library_name END,
    license = CASE WHEN $snapshot_date >= models.last_seen THEN r.license ELSE models.license END,
    tags = CASE WHEN $snapshot_date >= models.last_seen THEN r.tags ELSE models.tags END,
    gated = CASE WHEN $snapshot_date >= models.last_seen THEN r.gated ELSE models.gated END,
    private = CASE WHEN $snapshot_date >= models.last_seen THEN r.private ELSE models.private END,
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

-- After the update, last_seen = this snapshot exactly when no newer snapshot listed the model.
CREATE OR REPLACE TEMP TABLE run_keys AS
SELECT m.model_key, r.hub, r.model_id, r.page, r.downloads, r.downloads_all_time, r.likes,
       m.last_seen = $snapshot_date AS newest
FROM run_models r JOIN models m ON m.hub = r.hub AND m.model_id = r.model_id;

DELETE FROM model_snapshot_facts
WHERE snapshot_date = $snapshot_date AND model_key IN (SELECT model_key FROM run_keys);

-- The period each row covers (migration 013): the model's previous snapshot, mostly the hub's snapshot day
-- before this one (read through that day's zonemap); a model absent from that day but seen before it is
-- looked for further back. A model first seen today has none.
CREATE OR REPLACE TEMP TABLE run_previous AS
SELECT f.model_key, f.snapshot_date AS period_start, f.downloads_all_time AS previous_all_time
FROM model_snapshot_facts f
SEMI JOIN run_keys k USING (model_key)
WHERE f.snapshot_date = (SELECT max(snapshot_date) FROM hub_snapshot_counts
                         WHERE snapshot_date < $snapshot_date AND hub IN (SELECT hub FROM run_keys));

INSERT INTO run_previous
SELECT f.model_key, max(f.snapshot_date), arg_max_null(f.downloads_all_time, f.snapshot_date)
FROM model_snapshot_facts f
SEMI JOIN (SELECT k.model_key FROM run_keys k JOIN models m USING (model_key)
           WHERE m.first_seen < $snapshot_date AND k.model_key NOT IN (SELECT model_key FROM run_previous)) r
     USING (model_key)
WHERE f.snapshot_date < $snapshot_date
GROUP BY f.model_key;

INSERT INTO model_snapshot_facts
SELECT k.model_key, $snapshot_date, k.downloads, k.downloads_all_time, k.likes,
       p.period_start, try_cast(k.downloads_all_time::HUGEINT - p.previous_all_time AS BIGINT)  -- NULL past BIGINT
FROM run_keys k LEFT JOIN run_previous p USING (model_key)
ORDER BY downloads_size_class(k.downloads), k.model_key;  -- packs the day tighter (migration 014)

-- An older snapshot than some (a backfill, or a day merged again): each model's next row now starts its
-- period here. That row is the one after this day whose period began on or before it (or had none).
UPDATE model_snapshot_facts
SET period_start = $snapshot_date,
    downloads_period = try_cast(model_snapshot_facts.downloads_all_time::HUGEINT - k.downloads_all_time AS BIGINT)
FROM run_keys k
WHERE model_snapshot_facts.model_key = k.model_key AND model_snapshot_facts.snapshot_date > $snapshot_date
  AND (model_snapshot_facts.period_start IS NULL OR model_snapshot_facts.period_start <= $snapshot_date);

DROP TABLE run_previous;

-- The day's count of each hub this run wrote, recounted from the facts (migration 012); the day's rows only.
DELETE FROM hub_snapshot_counts
WHERE snapshot_date = $snapshot_date AND hub IN (SELECT hub FROM run_keys);

INSERT INTO hub_snapshot_counts
SELECT m.hub, $snapshot_date, count(*)
FROM model_snapshot_facts f JOIN models m USING (model_key)
WHERE f.snapshot_date = $snapshot_date AND m.hub IN (SELECT hub FROM run_keys)
GROUP BY m.hub;

-- A child's edges are as its latest listing says: replace them, never append (an older snapshot's stay out).
DELETE FROM lineage
WHERE EXISTS (SELECT 1 FROM run_keys k WHERE k.newest AND k.hub = lineage.hub AND k.model_id = lineage.child_id);

INSERT INTO lineage
SELECT DISTINCT s.hub, s.child_id, s.parent_id, s.relation, s.provenance
FROM stage_lineage s
JOIN run_keys k ON k.hub = s.hub AND k.model_id = s.child_id AND k.page = s.page AND k.newest
WHERE s.run_id = $run_id;

DROP TABLE run_keys;
DROP TABLE run_models;

-- The readmes read in this run (ModelScope's incremental lineage): the latest reading of each model wins.
INSERT OR REPLACE INTO readme_reads
SELECT hub, model_id, last_modified, coalesce(parents, []::VARCHAR[]), $snapshot_date
FROM stage_readme_reads
WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY hub, model_id ORDER BY page DESC) = 1;
