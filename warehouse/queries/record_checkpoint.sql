-- A run's checkpoint, kept beside the warehouse while it ran, written into the ledger.
UPDATE runs
SET cursor = $cursor,
    pages = $pages,
    records = $records,
    catalog_total = coalesce($catalog_total, catalog_total)
WHERE run_id = $run_id;
