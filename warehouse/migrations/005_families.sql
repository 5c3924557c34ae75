-- Lineage families and attribution. The ref_* tables hold the curated files of warehouse/data/,
-- validated and reloaded by tracker.warehouse.attribution; the family_* tables hold the lineage
-- resolution, materialised by the same module on every `tracker check` (a recursive walk over
-- every model is too costly to repeat in each query that needs it). Query the views.

CREATE TABLE ref_countries (
    code   VARCHAR NOT NULL,                   -- ISO 3166-1 alpha-2, as owners.country_code holds it
    name   VARCHAR NOT NULL,
    region VARCHAR NOT NULL                    -- the unit regions are ranked by: Europe as one, else the country
);

CREATE TABLE ref_organisations (
    organisation VARCHAR NOT NULL,             -- the Hugging Face account name
    display_name VARCHAR NOT NULL,
    country_code VARCHAR NOT NULL
);

CREATE TABLE ref_families (
    line        INTEGER NOT NULL,              -- the line of families.csv: an earlier line wins a tie
    pattern     VARCHAR NOT NULL,              -- organisation/name-glob, as written
    family      VARCHAR NOT NULL,
    note        VARCHAR,
    account     VARCHAR NOT NULL,              -- the organisation, lower case
    name_glob   VARCHAR NOT NULL,              -- the name part, lower case: patterns ignore case
    specificity INTEGER NOT NULL               -- literal characters of the name part: the most specific match wins
);

-- The resolution keeps keys, not names: writing a million ids again would cost more than the walk.
-- Every model's coverage facts (a ModelScope copy of a Hugging Face model counts once across hubs).
CREATE TABLE family_models (
    model_key       INTEGER NOT NULL,          -- models.model_key
    hub             VARCHAR NOT NULL,
    month           DATE,                      -- month of its creation on its hub
    declares_parent BOOLEAN NOT NULL,          -- its listing names any base model (resolved or not)
    counted_in_all  BOOLEAN NOT NULL           -- false for a ModelScope copy of a Hugging Face model (model_identity)
);

-- Parents a model names that the warehouse does not hold: roots of their own, with negative keys.
CREATE TABLE family_missing (
    node_key BIGINT NOT NULL,
    model_id VARCHAR NOT NULL                  -- as the child named it
);

-- Each model's lineage roots (a model's key, or a missing parent's): several for a merge of lineages.
CREATE TABLE family_roots (
    node_key  BIGINT NOT NULL,
    root_key  BIGINT NOT NULL,
    depth     INTEGER NOT NULL,                -- shortest distance to the root
    via_cycle BOOLEAN NOT NULL                 -- the root stands for a loop of parents with no way out
);

CREATE TABLE family_names (
    family_id INTEGER NOT NULL,
    family    VARCHAR NOT NULL,
    curated   BOOLEAN NOT NULL                 -- from families.csv; else an organisation's own family
);

CREATE TABLE root_families (
    root_key  BIGINT NOT NULL,
    family_id INTEGER NOT NULL,
    pattern   VARCHAR                          -- the families.csv pattern it matched; NULL: none did
);

-- One row per model and family it belongs to, with what the derivative definitions need.
CREATE TABLE family_members (
    model_key      INTEGER NOT NULL,
    family_id      INTEGER NOT NULL,
    hub            VARCHAR NOT NULL,
    month          DATE,
    depth          INTEGER NOT NULL,           -- 0: a root of the family
    first_party    BOOLEAN NOT NULL,           -- published by one of the family's own organisations
    direct         BOOLEAN NOT NULL,           -- a parent is a first-party model of the family
    quantized      BOOLEAN NOT NULL,           -- it is a quantization (the relation of a parent edge)
    counted_in_all BOOLEAN NOT NULL
);

CREATE TABLE family_resolution (
    resolved_at TIMESTAMP NOT NULL,
    nodes       BIGINT NOT NULL,
    edges       BIGINT NOT NULL,
    levels      INTEGER NOT NULL,
    seconds     DOUBLE NOT NULL
);

-- The honest definitions of a derivative: who counts, and whether quantizations do.
CREATE TABLE derivative_definitions (
    definition    VARCHAR NOT NULL,
    scope         VARCHAR NOT NULL,            -- direct | transitive | third_party
    quantizations BOOLEAN NOT NULL,
    description   VARCHAR NOT NULL
);
INSERT INTO derivative_definitions VALUES
    ('direct', 'direct', true, 'models whose declared parent is a model the family''s own organisations published'),
    ('direct_no_quant', 'direct', false, 'direct, quantizations left out'),
    ('transitive', 'transitive', true, 'every descendant of the family''s root models, at any depth'),
    ('transitive_no_quant', 'transitive', false, 'transitive, quantizations left out'),
    ('third_party', 'third_party', true, 'descendants not published by the family''s own organisations'),
    ('third_party_no_quant', 'third_party', false, 'third_party, quantizations left out');

CREATE VIEW model_family AS
SELECT m.hub, m.model_id, coalesce(r.model_id, x.model_id) AS root_id, n.family, fr.depth
FROM family_roots fr
JOIN models m ON m.model_key = fr.node_key
LEFT JOIN models r ON r.model_key = fr.root_key
LEFT JOIN family_missing x ON x.node_key = fr.root_key
JOIN root_families f ON f.root_key = fr.root_key
JOIN family_names n USING (family_id);

-- The organisations that publish each curated family, with their country and region.
CREATE VIEW family_organisations AS
SELECT DISTINCT f.family, o.organisation, o.display_name, o.country_code, c.region
FROM ref_families f
JOIN ref_organisations o ON lower(o.organisation) = f.account
LEFT JOIN ref_countries c ON c.code = o.country_code;

-- Family membership by name, for queries that need a model's families.
CREATE VIEW model_family_members AS
SELECT f.model_key, m.model_id, f.hub, n.family, n.curated, f.month, f.depth, f.first_party, f.direct, f.quantized,
       f.counted_in_all
FROM family_members f JOIN family_names n USING (family_id) JOIN models m USING (model_key);

-- Coverage: the share of a month's new models that declare any base model; hub 'all' counts a
-- ModelScope copy of a Hugging Face model once.
CREATE VIEW lineage_coverage_by_month AS
WITH counted AS (
    SELECT hub, month, declares_parent FROM family_models WHERE month IS NOT NULL
    UNION ALL
    SELECT 'all', month, declares_parent FROM family_models WHERE month IS NOT NULL AND counted_in_all
)
SELECT hub, month, count(*) AS new_models, count(*) FILTER (WHERE declares_parent) AS with_base_model,
       count(*) FILTER (WHERE declares_parent) / count(*) AS coverage
FROM counted
GROUP BY hub, month;

-- One row per derivative, family and definition it counts under (a merge: once in each family).
CREATE VIEW derivative_models AS
SELECT m.model_key, m.hub, m.family_id, m.month, m.counted_in_all, d.definition
FROM family_members m
JOIN derivative_definitions d
  ON (d.scope = 'transitive' OR (d.scope = 'direct' AND m.direct) OR (d.scope = 'third_party' AND NOT m.first_party))
 AND (d.quantizations OR NOT m.quantized)
WHERE m.depth >= 1 AND m.month IS NOT NULL;

-- New derivatives per month, each model counted once however many families it belongs to: under a
-- definition when it counts so in any of its families.
CREATE VIEW derivatives_by_month AS
WITH derivatives AS (
    SELECT model_key, hub, month, counted_in_all, quantized,
           bool_or(direct) AS direct, bool_or(NOT first_party) AS third_party
    FROM family_members
    WHERE depth >= 1 AND month IS NOT NULL
    GROUP BY model_key, hub, month, counted_in_all, quantized
),
flagged AS (
    SELECT m.hub, m.month, m.counted_in_all, d.definition
    FROM derivatives m
    JOIN derivative_definitions d
      ON (d.scope = 'transitive' OR (d.scope = 'direct' AND m.direct) OR (d.scope = 'third_party' AND m.third_party))
     AND (d.quantizations OR NOT m.quantized)
),
counted AS (
    SELECT hub, month, definition, count(*) AS derivatives FROM flagged GROUP BY ALL
    UNION ALL
    SELECT 'all', month, definition, count(*) FROM flagged WHERE counted_in_all GROUP BY ALL
)
SELECT c.hub, c.month, c.definition, c.derivatives, v.new_models, v.coverage
FROM counted c LEFT JOIN lineage_coverage_by_month v USING (hub, month);

-- Only months with new derivatives have a row; cumulative counts every month up to the row's.
CREATE VIEW derivatives_by_family_month AS
WITH counted AS (
    SELECT hub, family_id, month, definition, count(*) AS new_derivatives
    FROM derivative_models GROUP BY ALL
    UNION ALL
    SELECT 'all', family_id, month, definition, count(*)
    FROM derivative_models WHERE counted_in_all GROUP BY ALL
)
SELECT c.hub, n.family, c.month, c.definition, c.new_derivatives,
       sum(c.new_derivatives) OVER (PARTITION BY c.hub, c.family_id, c.definition ORDER BY c.month) AS cumulative,
       c.new_derivatives / t.derivatives AS share,
       t.coverage
FROM counted c
JOIN family_names n USING (family_id)
JOIN derivatives_by_month t USING (hub, month, definition);
