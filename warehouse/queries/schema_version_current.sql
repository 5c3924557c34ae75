-- The schema version the file has reached (0 for a new file), creating the ledger of migrations if absent.
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, name VARCHAR, applied_at TIMESTAMP);
SELECT coalesce(max(version), 0) FROM schema_version;
