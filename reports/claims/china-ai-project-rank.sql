-- AI repositories the warehouse enumerates (at or above the star threshold) per region of their
-- owner, read from the owner's profile location; Europe is one region (ref_countries.region).
WITH located AS (
    SELECT r.repo_id, coalesce(c.region, o.country_code) AS region
    FROM repos r
    LEFT JOIN owners o ON o.login = r.owner_login
    LEFT JOIN ref_countries c ON c.code = o.country_code
),
counted AS (
    SELECT region, count(*) AS repositories FROM located GROUP BY region
)
SELECT coalesce(region, '(unknown)') AS region, repositories,
       round(repositories / sum(repositories) OVER (), 4) AS share,
       CASE WHEN region IS NOT NULL
            THEN round(repositories / sum(repositories) FILTER (WHERE region IS NOT NULL) OVER (), 4) END AS share_of_located,
       CASE WHEN region IS NOT NULL
            THEN rank() OVER (PARTITION BY region IS NULL ORDER BY repositories DESC) END AS rank
FROM counted
ORDER BY region IS NULL, repositories DESC, region;
