-- One step up from the frontier (the nodes reached at $depth); a node already reached from the
-- same start is not reached again, so loops end and shared ancestors are walked once. Answers how
-- many nodes the step reached: 0 ends the walk.
CREATE OR REPLACE TEMP TABLE walk_frontier AS
SELECT DISTINCT f.start_key, e.parent_key AS node_key
FROM walk_frontier f JOIN walk_edges e ON e.child_key = f.node_key
WHERE NOT EXISTS (SELECT 1 FROM walk_reach x WHERE x.start_key = f.start_key AND x.node_key = e.parent_key);
INSERT INTO walk_reach
SELECT start_key, node_key, $depth + 1 FROM walk_frontier;
