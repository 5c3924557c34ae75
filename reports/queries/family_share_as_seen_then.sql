-- A family's share of each month's new derivatives counted two ways: among the models the hub listed in
-- the first snapshot after the month (as the hub stood then: backfilled history makes this possible), and
-- among the models its latest snapshot still lists (today's survivors, all a warehouse without history can
-- count). The difference is what deletions took away. Family membership is today's lineage resolution.
WITH hub_dates AS (
    SELECT hub, snapshot_date FROM hub_snapshot_counts
),
months AS (
    SELECT DISTINCT hub, month FROM derivative_models WHERE definition = $definition AND month >= $since
),
seen AS (  -- each month, the first snapshot taken after its end, and the latest one
    SELECT m.hub, m.month, min(d.snapshot_date) AS seen_on,
           (SELECT max(snapshot_date) FROM hub_dates l WHERE l.hub = m.hub) AS latest
    FROM months m JOIN hub_dates d ON d.hub = m.hub AND d.snapshot_date >= m.month + INTERVAL 1 MONTH
    GROUP BY m.hub, m.month
),
listed AS (  -- the facts of those days only: a few days of the history, not all of it
    SELECT model_key, snapshot_date FROM model_snapshot_facts
    WHERE snapshot_date IN (SELECT seen_on FROM seen UNION SELECT latest FROM seen)
),
counted AS (
    SELECT d.model_key, d.hub, d.month, d.family_id, s.seen_on, s.latest,
           EXISTS (SELECT 1 FROM listed f WHERE f.model_key = d.model_key AND f.snapshot_date = s.seen_on)
               AS listed_then,
           EXISTS (SELECT 1 FROM listed f WHERE f.model_key = d.model_key AND f.snapshot_date = s.latest)
               AS listed_now
    FROM derivative_models d JOIN seen s USING (hub, month)
    WHERE d.definition = $definition
),
totals AS (  -- a model in two families counts once in the month's total
    SELECT hub, month, count(DISTINCT model_key) FILTER (WHERE listed_then) AS all_then,
           count(DISTINCT model_key) FILTER (WHERE listed_now) AS all_now
    FROM counted GROUP BY hub, month
)
SELECT n.family, c.hub, c.month, any_value(c.seen_on) AS seen_on, any_value(c.latest) AS latest_snapshot,
       any_value(c.seen_on) AS snapshot_date,
       count(*) FILTER (WHERE c.listed_then) AS derivatives_then,
       any_value(t.all_then) AS all_derivatives_then,
       count(*) FILTER (WHERE c.listed_then) / nullif(any_value(t.all_then), 0) AS share_then,
       count(*) FILTER (WHERE c.listed_now) AS derivatives_surviving,
       any_value(t.all_now) AS all_derivatives_surviving,
       count(*) FILTER (WHERE c.listed_now) / nullif(any_value(t.all_now), 0) AS share_surviving
FROM counted c
JOIN totals t USING (hub, month)
JOIN family_names n USING (family_id)
WHERE n.family = $family
GROUP BY n.family, c.hub, c.month
ORDER BY c.hub, c.month;
