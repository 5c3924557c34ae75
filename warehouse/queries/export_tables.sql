-- The base tables of the open warehouse, by name: what an export writes (less staging; see export.py).
SELECT table_name
FROM information_schema.tables
WHERE table_schema = 'main' AND table_type = 'BASE TABLE' AND table_catalog = current_database()
ORDER BY table_name;
