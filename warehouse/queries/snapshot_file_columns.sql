-- The columns of a snapshot Parquet file and their types, without reading its rows.
DESCRIBE SELECT * FROM read_parquet($path);
