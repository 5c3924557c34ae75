-- AI repositories created on GitHub per year (the search totals, each window's latest count), their
-- running total from the first year counted, and its growth; the report's figures beside them.
WITH latest AS (
    SELECT * FROM search_counts WHERE source = 'github'
    QUALIFY row_number() OVER (PARTITION BY query, window_start, window_end
                               ORDER BY snapshot_date DESC, collected_at DESC) = 1
),
definition AS (
    SELECT query FROM latest GROUP BY query ORDER BY max(snapshot_date) DESC, count(*) DESC, query LIMIT 1
),
windows AS (
    SELECT year(window_start) AS year, window_start, window_end, total_count, incomplete_results, snapshot_date,
           window_start = make_date(year(window_start), 1, 1) AND window_end = make_date(year(window_start), 12, 31)
               AS whole_year
    FROM latest WHERE query = (SELECT query FROM definition)
),
-- A year counted month by month while it was the current year, and whole later: the whole count wins.
years AS (
    SELECT year,
           CASE WHEN bool_or(whole_year) THEN max(total_count) FILTER (WHERE whole_year)
                ELSE sum(total_count) END AS created,
           bool_or(whole_year)
               OR sum(window_end - window_start + 1) = make_date(year, 12, 31) - make_date(year, 1, 1) + 1 AS complete,
           bool_or(coalesce(incomplete_results, false)) AS incomplete_results,
           max(snapshot_date) AS snapshot_date
    FROM windows GROUP BY year
),
running AS (
    SELECT *, sum(created) OVER (ORDER BY year) AS cumulative FROM years
)
SELECT year, created, complete, incomplete_results, snapshot_date, cumulative,
       round(cumulative / lag(cumulative) OVER (ORDER BY year) - 1, 4) AS growth,
       CASE year WHEN $first_claimed_year THEN $reported_first_year WHEN $claimed_year THEN $reported_total END
           AS reported_cumulative,
       CASE year WHEN $claimed_year THEN $reported_growth END AS reported_growth,
       (SELECT query FROM definition) AS definition
FROM running
ORDER BY year;
