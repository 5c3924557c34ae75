-- All-time downloads and likes by the country of the publishing organisation (warehouse/data/organisations.csv),
-- per hub at its latest snapshot. An account stands for itself, or for the one organisation its alias names
-- (organisation_aliases.csv; a mirror account naming several stands for none); other accounts are "Unattributed".
WITH aliases AS (
    SELECT hub, lower(alias) AS account, min(organisation) AS organisation
    FROM organisation_aliases GROUP BY hub, lower(alias) HAVING count(DISTINCT organisation) = 1
),
published AS (
    SELECT s.hub, s.snapshot_date, s.downloads_all_time, s.likes,
           lower(coalesce(a.organisation, split_part(s.model_id, '/', 1))) AS organisation
    FROM model_snapshots s
    JOIN hub_latest_snapshot USING (hub, snapshot_date)
    LEFT JOIN aliases a ON a.hub = s.hub AND a.account = lower(split_part(s.model_id, '/', 1))
)
SELECT coalesce(c.name, 'Unattributed') AS country, p.hub, count(*) AS models,
       sum(p.downloads_all_time) AS downloads_all_time, sum(p.likes) AS likes,
       any_value(p.snapshot_date) AS snapshot_date
FROM published p
LEFT JOIN ref_organisations o ON lower(o.organisation) = p.organisation
LEFT JOIN ref_countries c ON c.code = o.country_code
GROUP BY ALL
ORDER BY downloads_all_time DESC NULLS LAST, country, p.hub;
