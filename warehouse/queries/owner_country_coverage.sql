-- How many repository owners resolve to a country from their profile location: all owners, then by type.
SELECT CASE WHEN GROUPING(type) = 1 THEN 'all' ELSE coalesce(type, 'unknown') END AS owner_type,
       count(*) AS owners,
       count(*) FILTER (WHERE trim(coalesce(location, '')) <> '') AS with_location,
       count(country_code) AS resolved,
       round(count(country_code) / nullif(count(*), 0), 4) AS share_resolved,
       round(count(country_code) / nullif(count(*) FILTER (WHERE trim(coalesce(location, '')) <> ''), 0), 4)
           AS share_of_located_resolved
FROM owners
WHERE login IN (SELECT owner_login FROM repos)
GROUP BY ROLLUP (type)
ORDER BY GROUPING(type) DESC, owner_type;
