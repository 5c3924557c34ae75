-- Replaces the curated reference tables with the validated rows of warehouse/data/*.csv
-- (passed by tracker.warehouse.reference as $country_rows, $organisation_rows, $family_rows).
DELETE FROM ref_countries;
INSERT INTO ref_countries
SELECT r.code, r.name, r.region
FROM (SELECT unnest($country_rows::STRUCT(code VARCHAR, name VARCHAR, region VARCHAR)[]) AS r);

DELETE FROM ref_organisations;
INSERT INTO ref_organisations
SELECT r.organisation, r.display_name, r.country_code
FROM (SELECT unnest($organisation_rows::STRUCT(organisation VARCHAR, display_name VARCHAR, country_code VARCHAR)[]) AS r);

DELETE FROM ref_families;
INSERT INTO ref_families
SELECT line, pattern, family, nullif(note, ''),
       lower(split_part(pattern, '/', 1)) AS account,
       lower(substr(pattern, strpos(pattern, '/') + 1)) AS name_glob,
       length(replace(substr(pattern, strpos(pattern, '/') + 1), '*', '')) AS specificity
FROM (SELECT unnest($family_rows::STRUCT(line INTEGER, pattern VARCHAR, family VARCHAR, note VARCHAR)[], recursive := true));
