-- How many rows a Parquet file holds, from its footer alone.
SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata($path);
