-- benchmarks/history.py: the statements that grow a year of nightly snapshots from one synthesised day.
-- Each section starts with a "-- name:" line; history.py runs them by name.

-- name: models
-- The generated catalogue (registered as generated_models), in (hub, model_id) order as the merge inserts it,
-- listed from the first day to the last.
INSERT INTO models (hub, model_id, author, created_at, last_modified, pipeline_tag, library_name,
                    tags, first_seen, last_seen)
SELECT hub, model_id, author, created_at, last_modified, pipeline_tag, library_name, tags, $first, $last
FROM generated_models
ORDER BY hub, model_id;

-- name: first_day
-- The first snapshot day, in the order merge_staged_models.sql writes a day (migration 014).
INSERT INTO model_snapshot_facts
SELECT m.model_key, $first, g.downloads, g.downloads_all_time, g.likes, NULL, NULL
FROM generated_models g JOIN models m USING (hub, model_id)
ORDER BY downloads_size_class(g.downloads), m.model_key;

-- name: lineage
INSERT INTO lineage SELECT DISTINCT * FROM generated_edges;

-- name: runs
-- One succeeded run per hub per snapshot day, as the nightly job leaves them.
INSERT INTO runs (source, scope, snapshot_date, status, started_at, finished_at, pages, records, catalog_total)
SELECT h.hub, '{}', $first + d.day, 'succeeded',
       ($first + d.day)::TIMESTAMP + INTERVAL 2 HOUR, ($first + d.day)::TIMESTAMP + INTERVAL 3 HOUR,
       (h.models + 999) // 1000, h.models, h.models
FROM (SELECT hub, count(*) AS models FROM models GROUP BY hub) h
CROSS JOIN (SELECT range::INTEGER AS day FROM range($days)) d
ORDER BY d.day, h.hub;

-- name: day
-- Day $day after the first, from the first day's rows (its zonemap keeps the scan to the first row groups),
-- appended in the order merge_staged_models.sql writes a day (migration 014). Deterministic per (model_key, day):
-- downloads (trailing 30 days) the first day's value +-10 %, all-time downloads growing by a thirtieth of it
-- a day, likes +1 % a day (small counts stay put). Each row's period (migration 013) is the day before,
-- its difference that day's growth, as the merge would write them.
INSERT INTO model_snapshot_facts
SELECT * FROM (
    SELECT model_key, snapshot_date + $day::INTEGER AS snapshot_date,
           greatest(0, downloads + ((hash(model_key, $day) % 21)::BIGINT - 10) * downloads // 100) AS downloads,
           downloads_all_time + $day * downloads // 30,
           likes + ($day * likes) // 100,
           snapshot_date + ($day - 1)::INTEGER,
           $day * downloads // 30 - ($day - 1) * downloads // 30
    FROM model_snapshot_facts
    WHERE snapshot_date = $first)
ORDER BY downloads_size_class(downloads), model_key;

-- name: day_counts
-- Day $day's count per hub, recounted from that day's facts as merge_staged_models.sql does (migration 012).
INSERT INTO hub_snapshot_counts
SELECT m.hub, $first + $day::INTEGER, count(*)
FROM model_snapshot_facts f JOIN models m USING (model_key)
WHERE f.snapshot_date = $first + $day::INTEGER
GROUP BY m.hub;

-- name: blocks
SELECT block_size, used_blocks FROM pragma_database_size();

-- name: fact_rows
SELECT count(*) FROM model_snapshot_facts;

-- name: storage
-- How DuckDB stores the snapshot facts: compression per column.
SELECT column_name, compression, count(*) AS segments, sum(count) AS "values"
FROM pragma_storage_info('model_snapshot_facts')
WHERE segment_type <> 'VALIDITY'
GROUP BY ALL
ORDER BY column_name, "values" DESC;

-- name: shape
-- What the warehouse holds.
SELECT (SELECT count(*) FROM models) AS models,
       (SELECT count(*) FROM models WHERE hub = 'modelscope') AS modelscope_models,
       (SELECT count(*) FROM lineage) AS lineage_edges,
       (SELECT count(*) FROM model_snapshot_facts) AS snapshot_rows,
       (SELECT count(DISTINCT snapshot_date) FROM model_snapshot_facts) AS snapshot_days,
       (SELECT min(snapshot_date) FROM model_snapshot_facts) AS first_day,
       (SELECT max(snapshot_date) FROM model_snapshot_facts) AS last_day;

-- The diagnosis (--only diagnose): the whole-view aggregates the trend queries used to run, against the
-- per-(hub, day) counts of migration 012 that they read now.

-- name: diagnose_max_via_view
SELECT max(snapshot_date) FROM model_snapshots;

-- name: diagnose_max_via_facts
-- new_derivatives_by_family_month, family_share_of_new_derivatives, first_release_hub_by_family
SELECT max(snapshot_date) FROM model_snapshot_facts;

-- name: diagnose_latest_via_view
-- downloads_likes_by_family before migration 010
SELECT hub, max(snapshot_date) FROM model_snapshots GROUP BY hub;

-- name: diagnose_latest_via_counts
-- each hub's latest day as the trend queries read it (hub_latest_snapshot, over the counts since 012)
SELECT hub, snapshot_date FROM hub_latest_snapshot;

-- name: diagnose_counts_via_view
-- models_per_hub_over_time, snapshots_used and top_model_risers's `days` before 012
SELECT snapshot_date, hub, count(*) FROM model_snapshots GROUP BY ALL;

-- name: diagnose_counts_via_counts
-- the same counts now
SELECT snapshot_date, hub, models FROM hub_snapshot_counts;

-- name: diagnose_one_model_history
-- An ad hoc lookup of one model's snapshots through the view, as `tracker sql` runs it. Since migration 014 a
-- day's rows are in size-class order, so the key's zonemap no longer narrows the scan to a row group a day.
SELECT snapshot_date, downloads, likes FROM model_snapshots
WHERE hub = 'huggingface' AND model_id = (SELECT model_id FROM models ORDER BY model_key LIMIT 1 OFFSET 500000);
