-- Developers (user accounts, not organisations) owning an AI repository created in each year from
-- $first_year to $last_year, by the country of their profile location; unknown countries as a row.
WITH developers AS (
    SELECT DISTINCT year(r.created_at) AS year, r.owner_login, o.country_code
    FROM repos r LEFT JOIN owners o ON o.login = r.owner_login
    WHERE coalesce(o.type, r.owner_type) = 'User' AND year(r.created_at) BETWEEN $first_year AND $last_year
),
counted AS (
    SELECT year, country_code, count(*) AS developers FROM developers GROUP BY ALL
)
SELECT x.year, coalesce(c.name, x.country_code, '(unknown)') AS country, x.country_code, x.developers,
       round(x.developers / sum(x.developers) OVER (PARTITION BY x.year), 4) AS share,
       CASE WHEN x.country_code IS NOT NULL
            THEN rank() OVER (PARTITION BY x.year, x.country_code IS NULL ORDER BY x.developers DESC) END AS rank
FROM counted x LEFT JOIN ref_countries c ON c.code = x.country_code
ORDER BY x.year, rank NULLS LAST, country;
