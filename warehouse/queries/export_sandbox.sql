-- Lets DuckDB touch no file but those under $allowed (the export being written), and locks that in.
SET allowed_directories = [$allowed];
SET enable_external_access = false;
SET lock_configuration = true;
