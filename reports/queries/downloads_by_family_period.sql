-- Downloads per lineage family and period between a hub's consecutive snapshots, from the differences of
-- all-time counts each snapshot row keeps (migration 013; model_period_downloads shows them by model). A
-- flagged difference (missing, negative, or spanning a gap in the model's snapshots) is left out of the
-- sum and counted beside it, never hidden.
-- Fast over years of history (benchmarks/history.py): most rows are a difference of 0 over one period,
-- which adds nothing to a sum and one clean model to its period. So only the other rows are read by
-- model; the clean models of each period are counted from each model's span of snapshots (first to last
-- seen, less the periods its gaps span), and models are read in groups of the same hub and families.
WITH memberships AS (
    SELECT model_key, hub, list(family_id ORDER BY family_id) AS families
    FROM family_members
    GROUP BY model_key, hub
),
model_groups AS (
    SELECT model_key, hub, families, dense_rank() OVER (ORDER BY hub, families) AS group_id FROM memberships
),
groups AS (
    SELECT DISTINCT group_id, hub, families FROM model_groups
),
-- The rows that are not a 0 over one period, summed by group, period and kind of difference.
sparse AS (
    SELECT g.group_id, f.period_start, f.snapshot_date AS period_end, any_value(f.downloads_period) AS sample,
           sum(f.downloads_period) AS downloads, count(*) AS models
    FROM model_snapshot_facts f
    JOIN model_groups g USING (model_key)
    WHERE f.period_start IS NOT NULL
      AND (f.downloads_period <> 0 OR f.downloads_period IS NULL OR f.snapshot_date - f.period_start > 1)
    GROUP BY g.group_id, f.period_start, f.snapshot_date, f.downloads_period IS NULL, f.downloads_period < 0
),
flagged AS MATERIALIZED (
    SELECT s.*, g.hub, period_flag(s.sample, s.period_start, d.previous_date) AS flag,
           s.period_start <> d.previous_date AS spans_gap
    FROM sparse s
    JOIN groups g USING (group_id)
    JOIN hub_snapshot_days d ON d.hub = g.hub AND d.snapshot_date = s.period_end
),
-- A model has a row starting on its hub's previous day on every day after its first and up to its last,
-- except on the days its gaps span (from the day before the gap to the row after it).
spans AS (
    SELECT g.group_id, m.first_seen AS after, m.last_seen AS until, count(*) AS models
    FROM model_groups g JOIN models m USING (model_key)
    GROUP BY ALL
    UNION ALL
    SELECT group_id, period_start, period_end, -sum(models)
    FROM flagged
    WHERE spans_gap
    GROUP BY group_id, period_start, period_end
),
running AS (
    SELECT group_id, day, sum(sum(models)) OVER (PARTITION BY group_id ORDER BY day) AS open
    FROM (SELECT group_id, after AS day, models FROM spans UNION ALL SELECT group_id, until, -models FROM spans)
    GROUP BY group_id, day
),
continuing AS (
    SELECT g.group_id, d.previous_date AS period_start, d.snapshot_date AS period_end, r.open AS models
    FROM groups g
    JOIN hub_snapshot_days d USING (hub)
    ASOF JOIN running r ON r.group_id = g.group_id AND d.snapshot_date > r.day
    WHERE r.open > 0
),
exceptions AS (
    SELECT group_id, period_start, period_end,
           sum(downloads) FILTER (WHERE flag IS NULL) AS downloads,
           coalesce(sum(models) FILTER (WHERE flag IS NOT NULL), 0) AS flagged,
           sum(downloads) FILTER (WHERE flag = 'negative') AS negative
    FROM flagged
    WHERE NOT spans_gap
    GROUP BY group_id, period_start, period_end
),
group_periods AS (
    SELECT c.group_id, c.period_start, c.period_end,
           CASE WHEN c.models > coalesce(e.flagged, 0) THEN coalesce(e.downloads, 0) END AS downloads,
           c.models - coalesce(e.flagged, 0) AS models,
           coalesce(e.flagged, 0) AS flagged_models,
           coalesce(e.negative, 0) AS negative_downloads
    FROM continuing c
    LEFT JOIN exceptions e USING (group_id, period_start, period_end)
    UNION ALL
    SELECT group_id, period_start, period_end, NULL, 0, sum(models),
           coalesce(sum(downloads) FILTER (WHERE flag = 'negative'), 0)
    FROM flagged
    WHERE spans_gap
    GROUP BY group_id, period_start, period_end
)
SELECT n.family, g.hub, p.period_start, p.period_end, p.period_end AS snapshot_date,
       sum(p.downloads) AS downloads, sum(p.models)::BIGINT AS models,
       sum(p.flagged_models)::BIGINT AS flagged_models, sum(p.negative_downloads) AS negative_downloads
FROM group_periods p
JOIN (SELECT group_id, hub, unnest(families) AS family_id FROM groups) g USING (group_id)
JOIN family_names n USING (family_id)
GROUP BY n.family, g.hub, p.period_start, p.period_end
ORDER BY g.hub, n.family, p.period_end, p.period_start;
