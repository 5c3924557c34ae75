-- Records that migration $migration (schema version $version) has been applied.
INSERT INTO schema_version VALUES ($version, $migration, now());
