-- New derivatives by family and month, from `tracker export` alone (Spark SQL; DuckDB runs it as well).
-- Each exported table is a view of its folder: family_members, family_names, derivative_definitions.
-- The same counts as the warehouse's view derivatives_by_family_month (its new_derivatives column):
-- a derivative counts once per family it belongs to, under each definition it meets, per hub and over
-- both hubs ('all', a ModelScope copy of a Hugging Face model counted once).
WITH derivative_models AS (
    SELECT m.model_key, m.hub, m.family_id, m.month, m.counted_in_all, d.definition
    FROM family_members m
    JOIN derivative_definitions d
      ON (d.scope = 'transitive' OR (d.scope = 'direct' AND m.direct) OR (d.scope = 'third_party' AND NOT m.first_party))
     AND (d.quantizations OR NOT m.quantized)
    WHERE m.depth >= 1 AND m.month IS NOT NULL
),
counted AS (
    SELECT hub, family_id, month, definition, count(*) AS new_derivatives
    FROM derivative_models GROUP BY hub, family_id, month, definition
    UNION ALL
    SELECT 'all' AS hub, family_id, month, definition, count(*) AS new_derivatives
    FROM derivative_models WHERE counted_in_all GROUP BY family_id, month, definition
)
SELECT c.hub, n.family, c.month, c.definition, c.new_derivatives
FROM counted c JOIN family_names n ON n.family_id = c.family_id
ORDER BY c.hub, n.family, c.month, c.definition
