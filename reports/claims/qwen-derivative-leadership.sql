-- Month by month and under each definition of "derivative": which family's base models gained the
-- most new derivatives (both hubs, a ModelScope copy of a Hugging Face model counted once), and
-- $family's own figures beside the best other family's.
WITH span AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM lineage_coverage_by_month WHERE hub = 'all'
),
months AS (
    SELECT unnest(generate_series(first_month, last_month, INTERVAL 1 MONTH))::DATE AS month
    FROM span WHERE first_month IS NOT NULL
),
grid AS (
    SELECT d.definition, m.month FROM derivative_definitions d CROSS JOIN months m
),
-- Only the top two of a month (ties included) and $family can lead it or follow the leader.
families AS MATERIALIZED (
    SELECT definition, month, family, new_derivatives, cumulative, share,
           new_derivatives = max(new_derivatives) OVER (PARTITION BY definition, month) AS top
    FROM derivatives_by_family_month
    WHERE hub = 'all'
    QUALIFY rank() OVER (PARTITION BY definition, month ORDER BY new_derivatives DESC) <= 2 OR family = $family
),
leaders AS (
    SELECT definition, month, string_agg(family, ' = ' ORDER BY family) AS leader, max(new_derivatives) AS leader_count
    FROM families WHERE top GROUP BY ALL
),
others AS (
    SELECT definition, month, family AS runner_up, new_derivatives AS runner_up_new, cumulative AS runner_up_cumulative
    FROM families WHERE family <> $family
    QUALIFY row_number() OVER (PARTITION BY definition, month ORDER BY new_derivatives DESC, family) = 1
),
claimed AS (
    SELECT definition, month, new_derivatives, share FROM families WHERE family = $family
)
SELECT g.definition, strftime(g.month, '%Y-%m') AS month,
       coalesce(c.new_models, 0) AS new_models, round(c.coverage, 4) AS coverage,
       coalesce(t.derivatives, 0) AS derivatives,
       l.leader, coalesce(l.leader_count, 0) AS leader_new,
       $family AS family,
       coalesce(q.new_derivatives, 0) AS family_new,
       round(q.share, 4) AS family_share,
       sum(coalesce(q.new_derivatives, 0)) OVER (PARTITION BY g.definition ORDER BY g.month) AS family_cumulative,
       o.runner_up, coalesce(o.runner_up_new, 0) AS runner_up_new, o.runner_up_cumulative,
       coalesce(q.new_derivatives, 0) > coalesce(o.runner_up_new, 0) AS family_leads
FROM grid g
LEFT JOIN lineage_coverage_by_month c ON c.hub = 'all' AND c.month = g.month
LEFT JOIN derivatives_by_month t ON t.hub = 'all' AND t.month = g.month AND t.definition = g.definition
LEFT JOIN leaders l ON l.definition = g.definition AND l.month = g.month
LEFT JOIN others o ON o.definition = g.definition AND o.month = g.month
LEFT JOIN claimed q ON q.definition = g.definition AND q.month = g.month
ORDER BY g.definition, g.month;
