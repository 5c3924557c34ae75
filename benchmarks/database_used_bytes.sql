-- The bytes of the blocks a DuckDB file uses (freed blocks, kept for reuse, left out).
SELECT used_blocks * block_size FROM pragma_database_size();
