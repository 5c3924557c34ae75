-- Every table and view of the warehouse with its columns, as the schema check compares them.
SELECT table_name, column_name
FROM information_schema.columns
WHERE table_catalog = current_database() AND table_schema = 'main'
ORDER BY table_name, ordinal_position;
