-- The file the connection's warehouse lives in (NULL in memory).
SELECT path FROM duckdb_databases() WHERE database_name = current_database();
