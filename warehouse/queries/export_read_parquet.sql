-- Reads one exported table back: $files is its folder's glob, as the export's manifest.json gives it.
SELECT * FROM read_parquet($files, hive_partitioning = true);
