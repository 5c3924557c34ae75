-- The size the warehouse file must have at least: its blocks in use (each has its own place in the file).
SELECT block_size, used_blocks FROM pragma_database_size() WHERE database_name = current_database();
