-- Every model and every missing parent as a node of the walk (temp walk_nodes), every declared parent
-- edge resolved to a node (temp walk_edges); each model's coverage facts and the missing parents kept.

DELETE FROM family_models;
DELETE FROM family_missing;

-- (A load writes each edge once: no DISTINCT needed.)
CREATE OR REPLACE TEMP TABLE declared AS
SELECT m.model_key AS child_key, l.hub, l.child_id, l.parent_id, l.relation
FROM lineage l JOIN models m ON m.hub = l.hub AND m.model_id = l.child_id;

-- A parent is looked for on the child's hub, then on the other hub (lineage.hub is the child's);
-- by its exact id, then ignoring case; then under its organisation's Hugging Face name (a
-- ModelScope spelling such as LLM-Research/... named from either hub). Never the child itself.
CREATE OR REPLACE TEMP TABLE parent_matches AS
WITH exact AS (
    SELECT d.child_key, d.parent_id, m.model_key AS parent_key, CASE WHEN m.hub = d.hub THEN 0 ELSE 1 END AS preference
    FROM declared d JOIN models m ON m.model_id = d.parent_id
    WHERE m.model_key <> d.child_key
),
unmatched AS (
    SELECT * FROM declared d ANTI JOIN exact e ON e.child_key = d.child_key AND e.parent_id = d.parent_id
),
candidates AS (
    SELECT * FROM exact
    UNION ALL
    SELECT d.child_key, d.parent_id, m.model_key, CASE WHEN m.hub = d.hub THEN 2 ELSE 3 END
    FROM unmatched d JOIN models m ON lower(m.model_id) = lower(d.parent_id)
    UNION ALL
    SELECT d.child_key, d.parent_id, m.model_key, 4
    FROM unmatched d
    JOIN organisation_aliases a ON lower(a.alias) = lower(split_part(d.parent_id, '/', 1))
    JOIN models m ON m.hub = 'huggingface'
                 AND lower(m.model_id) = lower(a.organisation || '/' || substr(d.parent_id, strpos(d.parent_id, '/') + 1))
    WHERE contains(d.parent_id, '/')
)
SELECT child_key, parent_id, parent_key
FROM candidates
WHERE parent_key <> child_key
QUALIFY row_number() OVER (PARTITION BY child_key, parent_id ORDER BY preference, parent_key) = 1;

-- A parent found nowhere is a node of its own: a root. Naming oneself (in any case) declares nothing.
INSERT INTO family_missing
SELECT -row_number() OVER (ORDER BY parent_id), parent_id
FROM (SELECT DISTINCT d.parent_id
      FROM declared d ANTI JOIN parent_matches p ON p.child_key = d.child_key AND p.parent_id = d.parent_id
      WHERE lower(d.parent_id) <> lower(d.child_id));

CREATE OR REPLACE TEMP TABLE walk_edges AS
SELECT DISTINCT d.child_key::BIGINT AS child_key, coalesce(p.parent_key, x.node_key)::BIGINT AS parent_key, d.relation
FROM declared d
LEFT JOIN parent_matches p ON p.child_key = d.child_key AND p.parent_id = d.parent_id
LEFT JOIN family_missing x ON x.model_id = d.parent_id
WHERE coalesce(p.parent_key, x.node_key) IS NOT NULL;

-- An account standing for exactly one organisation takes its name; a mirror account standing for
-- several (AI-ModelScope) stays itself. A missing parent has no hub: any hub's alias applies.
CREATE OR REPLACE TEMP TABLE single_aliases AS
SELECT hub, lower(alias) AS alias, any_value(organisation) AS organisation
FROM organisation_aliases GROUP BY ALL HAVING count(DISTINCT organisation) = 1
UNION ALL
SELECT NULL, lower(alias), any_value(organisation)
FROM organisation_aliases GROUP BY lower(alias) HAVING count(DISTINCT organisation) = 1;

CREATE OR REPLACE TEMP TABLE walk_nodes AS
WITH nodes AS (
    SELECT model_key::BIGINT AS node_key, hub, model_id, created_at FROM models
    UNION ALL
    SELECT node_key, NULL, model_id, NULL FROM family_missing
),
accounts AS (
    SELECT *, CASE WHEN contains(model_id, '/') THEN split_part(model_id, '/', 1) END AS account FROM nodes
)
SELECT n.node_key, n.hub, n.model_id, n.created_at, coalesce(a.organisation, n.account) AS organisation,
       lower(n.account) AS account_key, lower(coalesce(a.organisation, n.account)) AS organisation_key
FROM accounts n
LEFT JOIN single_aliases a ON a.alias = lower(n.account) AND a.hub IS NOT DISTINCT FROM n.hub;

INSERT INTO family_models
WITH declaring AS (SELECT DISTINCT child_key FROM declared),
copies AS (
    SELECT DISTINCT m.model_key
    FROM model_identity i JOIN models m ON m.hub = 'modelscope' AND m.model_id = i.ms_model_id
)
SELECT m.model_key, m.hub, date_trunc('month', m.created_at)::DATE, d.child_key IS NOT NULL, c.model_key IS NULL
FROM models m
LEFT JOIN declaring d ON d.child_key = m.model_key
LEFT JOIN copies c ON c.model_key = m.model_key;

DROP TABLE single_aliases;
DROP TABLE parent_matches;
DROP TABLE declared;
