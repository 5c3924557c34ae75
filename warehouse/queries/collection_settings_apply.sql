-- DuckDB tuned for a long run of page loads; the values are warehouse/db.py's COLLECTION_SETTINGS.
SET memory_limit = $memory_limit;
SET checkpoint_threshold = $checkpoint_threshold;
