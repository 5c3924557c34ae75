-- Per source: how many runs it had and how they ended, its latest succeeded run (the snapshot a claim
-- rests on), whether a succeeded run listed the whole catalogue, the service's latest own total, and its
-- latest listing that came out short of the catalogue (incomplete), which a verdict on that day must name.
WITH sources(source) AS (VALUES ('huggingface'), ('modelscope'), ('github')),
judged AS (
    SELECT *, coalesce(scope->>'author', '') <> '' OR coalesce(scope->>'search', '') <> ''
              OR coalesce(scope->>'owner', '') <> '' OR coalesce(json_array_length(scope->'filter'), 0) > 0 AS narrowed
    FROM runs
)
SELECT s.source,
       count(r.run_id) AS runs,
       count(r.run_id) FILTER (WHERE r.status = 'succeeded') AS succeeded,
       max(r.snapshot_date) FILTER (WHERE r.status = 'succeeded') AS snapshot_date,
       max(r.snapshot_date) FILTER (WHERE r.status = 'succeeded' AND NOT r.narrowed) AS full_snapshot_date,
       arg_max(r.catalog_total, r.run_id) FILTER (WHERE r.status = 'succeeded' AND r.catalog_total IS NOT NULL)
           AS catalog_total,
       arg_max(r.error, r.run_id) FILTER (WHERE r.status <> 'succeeded') AS last_error,
       max(r.snapshot_date) FILTER (WHERE r.status = 'incomplete') AS incomplete_date,
       arg_max(r.error, r.run_id) FILTER (WHERE r.status = 'incomplete') AS incomplete_error
FROM sources s LEFT JOIN judged r USING (source)
GROUP BY s.source
ORDER BY s.source;
