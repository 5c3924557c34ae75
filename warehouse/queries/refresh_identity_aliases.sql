-- Replaces the organisation aliases model_identity reads with the shipped CSV's rows.
DELETE FROM organisation_aliases;
INSERT INTO organisation_aliases (hub, alias, organisation)
SELECT hub, alias, organisation
FROM read_csv($path, header = true, all_varchar = true);
