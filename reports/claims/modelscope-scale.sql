-- ModelScope's size at its latest succeeded run: the service's own catalogue total and the models the
-- warehouse lists on that day. Developers and their countries are not exposed by the API: no figure.
WITH latest AS (
    SELECT snapshot_date, catalog_total FROM runs
    WHERE source = 'modelscope' AND status = 'succeeded'
    ORDER BY snapshot_date DESC, run_id DESC LIMIT 1
),
listed AS (
    SELECT count(*) AS models FROM models
    WHERE hub = 'modelscope' AND first_seen <= (SELECT snapshot_date FROM latest)
      AND (gone_since IS NULL OR gone_since > (SELECT snapshot_date FROM latest))
)
SELECT 'models (ModelScope''s own total)' AS measure, (SELECT catalog_total FROM latest) AS measured,
       $reported_models AS reported, (SELECT snapshot_date FROM latest) AS snapshot_date
UNION ALL
SELECT 'models listed in the warehouse', (SELECT models FROM listed), $reported_models, (SELECT snapshot_date FROM latest)
UNION ALL
SELECT 'developers', NULL, $reported_developers, NULL
UNION ALL
SELECT 'countries of developers', NULL, $reported_countries, NULL;
