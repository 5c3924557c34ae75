-- All-time downloads and likes by the country of the publishing organisation (warehouse/data/organisations.csv),
-- per hub at its latest snapshot. An account stands for itself, or for the one organisation its alias names
-- (organisation_aliases.csv; a mirror account naming several stands for none); other accounts are "Unattributed".
-- Each hub's latest snapshot: the newest day's hubs from that day alone (its zonemap skips the other days), a
-- full scan only for a hub missing on it (a max over the whole model_snapshots view costs seconds per 100M rows).
WITH on_newest_day AS (
    SELECT m.hub, any_value(f.snapshot_date) AS snapshot_date
    FROM model_snapshot_facts f JOIN models m USING (model_key)
    WHERE f.snapshot_date = (SELECT max(snapshot_date) FROM model_snapshot_facts)
    GROUP BY m.hub
),
older AS (
    SELECT m.hub, max(f.snapshot_date) AS snapshot_date
    FROM model_snapshot_facts f
    JOIN (SELECT model_key, hub FROM models WHERE hub NOT IN (SELECT hub FROM on_newest_day)) m USING (model_key)
    GROUP BY m.hub
),
latest AS (
    SELECT hub, snapshot_date FROM on_newest_day UNION ALL SELECT hub, snapshot_date FROM older
),
aliases AS (
    SELECT hub, lower(alias) AS account, min(organisation) AS organisation
    FROM organisation_aliases GROUP BY hub, lower(alias) HAVING count(DISTINCT organisation) = 1
),
published AS (
    SELECT s.hub, s.snapshot_date, s.downloads_all_time, s.likes,
           lower(coalesce(a.organisation, split_part(s.model_id, '/', 1))) AS organisation
    FROM model_snapshots s
    JOIN latest USING (hub, snapshot_date)
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
