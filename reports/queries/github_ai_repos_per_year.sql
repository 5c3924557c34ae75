-- AI repositories created on GitHub per year: GitHub search totals for the latest search definition, each
-- creation window as last counted; the current year is counted so far.
WITH definition AS (
    SELECT query FROM search_counts WHERE source = 'github' ORDER BY snapshot_date DESC, collected_at DESC LIMIT 1
),
latest AS (
    SELECT * FROM search_counts
    WHERE source = 'github' AND query = (SELECT query FROM definition)
    QUALIFY snapshot_date = max(snapshot_date) OVER (PARTITION BY window_start, window_end)
)
SELECT year(window_start) AS year, sum(total_count) AS repositories, count(*) AS windows,
       bool_or(incomplete_results) AS incomplete, year(window_start) = year(max(snapshot_date)) AS partial,
       max(snapshot_date) AS snapshot_date, any_value(query) AS query
FROM latest
GROUP BY year(window_start)
ORDER BY year;
