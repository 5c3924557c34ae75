-- Replaces the curated reference tables with the validated rows of warehouse/data/*.csv
-- (registered by tracker.warehouse.reference as country_rows, organisation_rows, family_rows).
DELETE FROM ref_countries;
INSERT INTO ref_countries SELECT code, name, region FROM country_rows;

DELETE FROM ref_organisations;
INSERT INTO ref_organisations SELECT organisation, display_name, country_code FROM organisation_rows;

DELETE FROM ref_families;
INSERT INTO ref_families
SELECT line, pattern, family, nullif(note, ''),
       lower(split_part(pattern, '/', 1)) AS account,
       lower(substr(pattern, strpos(pattern, '/') + 1)) AS name_glob,
       length(replace(substr(pattern, strpos(pattern, '/') + 1), '*', '')) AS specificity
FROM family_rows;
