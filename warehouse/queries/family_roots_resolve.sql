-- From the walk: each node's roots, each root's family, and each model's families with what the
-- derivative definitions need. Drops the walk's temp tables.

DELETE FROM family_roots;
DELETE FROM family_names;
DELETE FROM root_families;
DELETE FROM family_members;

CREATE OR REPLACE TEMP TABLE parentless AS
SELECT node_key FROM walk_nodes ANTI JOIN walk_edges e ON e.child_key = walk_nodes.node_key;

INSERT INTO family_roots
SELECT node_key, node_key, 0, false FROM parentless
UNION ALL
SELECT r.start_key, r.node_key, min(r.depth), false
FROM walk_reach r SEMI JOIN parentless p ON p.node_key = r.node_key
GROUP BY r.start_key, r.node_key;

-- A loop of parents with no parentless model above it: the loop's earliest model (then the
-- smallest id) stands as the root of every model that reaches it, so all agree on one.
INSERT INTO family_roots
WITH looped AS (
    SELECT DISTINCT e.child_key AS node_key
    FROM walk_edges e JOIN walk_reach r ON r.start_key = e.parent_key AND r.node_key = e.child_key
),
stranded AS (
    SELECT node_key FROM looped ANTI JOIN family_roots f ON f.node_key = looped.node_key
)
SELECT r.start_key,
       arg_min(r.node_key, {'created': coalesce(n.created_at, TIMESTAMP '9999-12-31'), 'id': n.model_id}),
       arg_min(r.depth, {'created': coalesce(n.created_at, TIMESTAMP '9999-12-31'), 'id': n.model_id}),
       true
FROM walk_reach r
JOIN stranded s ON s.node_key = r.node_key
JOIN walk_nodes n ON n.node_key = r.node_key
GROUP BY r.start_key;

-- A root's family: the most specific families.csv pattern its id matches, under its account as
-- written or the organisation the account stands for. A mirror account standing for several
-- organisations matches only patterns that name models, never a whole organisation. Unmatched:
-- its organisation's own family.
CREATE OR REPLACE TEMP TABLE root_names AS
WITH named AS (
    SELECT n.node_key, n.hub, n.model_id, n.organisation, n.account_key AS account,
           lower(substr(n.model_id, strpos(n.model_id, '/') + 1)) AS name
    FROM walk_nodes n
    WHERE n.node_key IN (SELECT root_key FROM family_roots)
),
stands_for AS (
    SELECT lower(alias) AS alias, hub, organisation, count(*) OVER (PARTITION BY hub, lower(alias)) > 1 AS mirror
    FROM (SELECT DISTINCT hub, alias, organisation FROM organisation_aliases)
),
accounts AS (
    SELECT node_key, account, name, false AS mirror FROM named WHERE account IS NOT NULL
    UNION
    SELECT n.node_key, lower(s.organisation), n.name, s.mirror
    FROM named n JOIN stands_for s ON s.alias = n.account AND (s.hub = n.hub OR n.hub IS NULL)
),
matched AS (
    SELECT a.node_key, f.family, f.pattern
    FROM accounts a JOIN ref_families f ON f.account = a.account AND a.name GLOB f.name_glob
    WHERE NOT (a.mirror AND f.name_glob = '*')
    QUALIFY row_number() OVER (PARTITION BY a.node_key ORDER BY f.specificity DESC, f.line) = 1
)
SELECT n.node_key, coalesce(m.family, n.organisation, n.model_id) AS family, m.pattern
FROM named n LEFT JOIN matched m USING (node_key);

INSERT INTO family_names
SELECT row_number() OVER (ORDER BY family), family, curated
FROM (SELECT family, bool_or(pattern IS NOT NULL) AS curated FROM root_names GROUP BY family);

INSERT INTO root_families
SELECT r.node_key, n.family_id, r.pattern FROM root_names r JOIN family_names n USING (family);

-- First party: published by an organisation of the family (an unmatched family: its own organisation).
CREATE OR REPLACE TEMP TABLE node_families AS
WITH family_accounts AS (
    SELECT DISTINCT n.family_id, f.account FROM ref_families f JOIN family_names n USING (family)
    UNION
    SELECT family_id, lower(family) FROM family_names WHERE NOT curated
),
belongs AS (
    SELECT fr.node_key, rf.family_id, min(fr.depth) AS depth
    FROM family_roots fr JOIN root_families rf ON rf.root_key = fr.root_key
    GROUP BY ALL
)
SELECT b.node_key, b.family_id, b.depth,
       (by_account.family_id IS NOT NULL OR by_organisation.family_id IS NOT NULL) AS first_party
FROM belongs b
JOIN walk_nodes n ON n.node_key = b.node_key
LEFT JOIN family_accounts by_account ON by_account.family_id = b.family_id AND by_account.account = n.account_key
LEFT JOIN family_accounts by_organisation
       ON by_organisation.family_id = b.family_id AND by_organisation.account = n.organisation_key
      AND n.organisation_key <> n.account_key;

INSERT INTO family_members
WITH direct AS (
    SELECT DISTINCT e.child_key, p.family_id
    FROM walk_edges e JOIN node_families p ON p.node_key = e.parent_key
    WHERE p.first_party
),
quantized AS (
    SELECT child_key FROM walk_edges GROUP BY child_key HAVING bool_or(relation = 'quantized')
)
SELECT f.node_key, f.family_id, m.hub, m.month, f.depth, f.first_party,
       d.child_key IS NOT NULL, q.child_key IS NOT NULL, m.counted_in_all
FROM node_families f
JOIN family_models m ON m.model_key = f.node_key
LEFT JOIN direct d ON d.child_key = f.node_key AND d.family_id = f.family_id
LEFT JOIN quantized q ON q.child_key = f.node_key;

DROP TABLE node_families;
DROP TABLE root_names;
DROP TABLE parentless;
DROP TABLE walk_frontier;
DROP TABLE walk_reach;
DROP TABLE walk_nodes;
DROP TABLE walk_edges;
