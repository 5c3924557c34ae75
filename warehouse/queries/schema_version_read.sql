-- The schema version a warehouse has reached: NULL when the table holds no row.
SELECT max(version) FROM schema_version;
