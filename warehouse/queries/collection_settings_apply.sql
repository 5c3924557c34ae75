-- DuckDB tuned for a run's merge; the values are warehouse/db.py's COLLECTION_SETTINGS.
SET checkpoint_threshold = $checkpoint_threshold;
