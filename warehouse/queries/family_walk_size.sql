-- How many parent edges the walk resolved.
SELECT count(*) FROM walk_edges;
