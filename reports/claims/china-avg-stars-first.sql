-- Stars per AI repository (each repository's latest snapshot) by region of its owner: mean and
-- median, each ranked among regions with at least $min_repositories repositories, and the share of a
-- region's stars its top repository holds.
WITH stars AS (
    SELECT repo_id, stars FROM repo_snapshots
    QUALIFY row_number() OVER (PARTITION BY repo_id ORDER BY snapshot_date DESC) = 1
),
located AS (
    SELECT r.full_name, coalesce(s.stars, 0) AS stars, coalesce(c.region, o.country_code) AS region
    FROM repos r
    JOIN stars s USING (repo_id)
    LEFT JOIN owners o ON o.login = r.owner_login
    LEFT JOIN ref_countries c ON c.code = o.country_code
),
regions AS (
    SELECT region, count(*) AS repositories, sum(stars) AS stars, avg(stars) AS mean_stars,
           median(stars) AS median_stars, arg_max(full_name, stars) AS top_repository,
           max(stars) / nullif(sum(stars), 0) AS top_share,
           region IS NOT NULL AND count(*) >= $min_repositories AS ranked
    FROM located GROUP BY region
)
SELECT coalesce(region, '(unknown)') AS region, repositories, stars,
       round(mean_stars, 1) AS mean_stars, median_stars, top_repository, round(top_share, 4) AS top_share,
       coalesce(top_share > $dominance_share, false) AS dominated,
       CASE WHEN ranked THEN rank() OVER (PARTITION BY ranked ORDER BY mean_stars DESC) END AS rank_by_mean,
       CASE WHEN ranked THEN rank() OVER (PARTITION BY ranked ORDER BY median_stars DESC) END AS rank_by_median
FROM regions
ORDER BY region IS NULL, rank_by_mean NULLS LAST, repositories DESC, region;
