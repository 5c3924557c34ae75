-- Moves a run's checkpoint past the page just staged (same transaction as the page).
UPDATE runs
SET cursor = $cursor,
    pages = pages + 1,
    records = records + $records,
    catalog_total = coalesce($catalog_total, catalog_total)
WHERE run_id = $run_id;
