-- One family's share of each month's new derivatives and its rank among families, per derivative definition;
-- a month in which the family had none shows 0.
WITH months AS (
    SELECT month, definition, derivatives
    FROM derivatives_by_month
    WHERE hub = 'all' AND definition IN ('transitive', 'direct', 'third_party') AND month >= $since
),
ranked AS (
    SELECT month, definition, family, new_derivatives,
           rank() OVER (PARTITION BY month, definition ORDER BY new_derivatives DESC) AS family_rank
    FROM derivatives_by_family_month
    WHERE hub = 'all'
)
SELECT m.month, m.definition, $family AS family, coalesce(r.new_derivatives, 0) AS family_derivatives,
       m.derivatives AS all_derivatives, coalesce(r.new_derivatives, 0) / m.derivatives AS share,
       r.family_rank, (SELECT max(snapshot_date) FROM model_snapshot_facts) AS snapshot_date
FROM months m
LEFT JOIN ranked r ON r.month = m.month AND r.definition = m.definition AND r.family = $family
ORDER BY m.month, m.definition;
