-- A run's staged models pages (Parquet files beside the warehouse) into the merge's typed landing table.
INSERT INTO stage_models BY NAME
SELECT $run_id AS run_id, * FROM read_parquet($files, union_by_name = true);
