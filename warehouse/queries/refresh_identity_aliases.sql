-- Replaces the organisation aliases model_identity reads with the validated rows of
-- warehouse/data/organisation_aliases.csv (passed by tracker.warehouse.reference as $alias_rows).
DELETE FROM organisation_aliases;
INSERT INTO organisation_aliases (hub, alias, organisation)
SELECT r.hub, r.alias, r.organisation
FROM (SELECT unnest($alias_rows::STRUCT(hub VARCHAR, alias VARCHAR, organisation VARCHAR)[]) AS r);
