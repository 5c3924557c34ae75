-- Replaces the organisation aliases model_identity reads with the validated rows of
-- warehouse/data/organisation_aliases.csv (registered by tracker.warehouse.reference as alias_rows).
DELETE FROM organisation_aliases;
INSERT INTO organisation_aliases (hub, alias, organisation)
SELECT hub, alias, organisation FROM alias_rows;
