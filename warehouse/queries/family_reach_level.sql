-- One step up from the nodes reached at $depth; a node already reached from the same start is not
-- reached again, so loops end and shared ancestors are walked once.
INSERT INTO walk_reach
SELECT DISTINCT r.start_key, e.parent_key, $depth + 1
FROM walk_reach r JOIN walk_edges e ON e.child_key = r.node_key
WHERE r.depth = $depth
  AND NOT EXISTS (SELECT 1 FROM walk_reach x WHERE x.start_key = r.start_key AND x.node_key = e.parent_key);
