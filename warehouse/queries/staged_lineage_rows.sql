-- The staged lineage rows of a scratch warehouse (warehouse/hub_pages.py), in a stable order.
SELECT * EXCLUDE (run_id) FROM stage_lineage ORDER BY ALL;
