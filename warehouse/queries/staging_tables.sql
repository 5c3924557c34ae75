-- The tables pages land in before a run's end folds them in.
SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, $prefix) ORDER BY table_name;
