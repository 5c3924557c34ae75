-- Per named family (with its organisations' country) and hub: models its own organisations
-- published (with their all-time downloads and likes at each model's latest snapshot), derivatives of its
-- root models (transitive), and their shares; a hub the warehouse holds no model of has no row.
-- All-time downloads on both hubs: Hugging Face's `downloads` is a trailing 30-day count, ModelScope has none.
WITH wanted AS (
    SELECT unnest($families) AS family
),
named AS (
    SELECT family_id, family FROM family_names WHERE list_contains($families, family)
),
hubs AS (
    SELECT DISTINCT hub FROM family_models
),
published AS (
    SELECT f.hub, f.family_id, count(*) AS models, sum(s.downloads_all_time) AS downloads_all_time, sum(s.likes) AS likes
    FROM family_members f
    JOIN named USING (family_id)
    JOIN models m ON m.model_key = f.model_key
    LEFT JOIN model_snapshot_facts s ON s.model_key = m.model_key AND s.snapshot_date = m.last_seen
    WHERE f.first_party
    GROUP BY ALL
),
derived AS (
    SELECT f.hub, f.family_id, count(*) AS derivatives
    FROM family_members f JOIN named USING (family_id)
    WHERE f.depth >= 1
    GROUP BY ALL
),
totals AS (
    SELECT m.hub, count(*) AS hub_models, count(*) FILTER (WHERE d.model_key IS NOT NULL) AS hub_derivatives
    FROM family_models m
    LEFT JOIN (SELECT DISTINCT model_key FROM family_members WHERE depth >= 1) d USING (model_key)
    GROUP BY m.hub
)
SELECT w.family,
       (SELECT string_agg(DISTINCT o.country_code, ', ') FROM family_organisations o WHERE o.family = w.family)
           AS country,
       h.hub,
       coalesce(p.models, 0) AS models, coalesce(p.downloads_all_time, 0) AS downloads_all_time, coalesce(p.likes, 0) AS likes,
       coalesce(d.derivatives, 0) AS derivatives,
       round(coalesce(p.models, 0) / t.hub_models, 6) AS model_share,
       round(coalesce(d.derivatives, 0) / nullif(t.hub_derivatives, 0), 6) AS derivative_share
FROM wanted w
CROSS JOIN hubs h
LEFT JOIN named n ON n.family = w.family
LEFT JOIN published p ON p.family_id = n.family_id AND p.hub = h.hub
LEFT JOIN derived d ON d.family_id = n.family_id AND d.hub = h.hub
LEFT JOIN totals t ON t.hub = h.hub
ORDER BY list_position($families, w.family), h.hub;
