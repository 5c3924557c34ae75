-- The walk up the lineage starts at every model that names a parent; the frontier is what the
-- last step reached.
CREATE OR REPLACE TEMP TABLE walk_reach AS
SELECT DISTINCT child_key AS start_key, child_key AS node_key, 0 AS depth FROM walk_edges;
CREATE OR REPLACE TEMP TABLE walk_frontier AS
SELECT start_key, node_key FROM walk_reach;
