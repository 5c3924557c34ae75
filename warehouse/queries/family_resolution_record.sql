-- Records a resolution's size and time; returns its node and edge counts.
DELETE FROM family_resolution;
INSERT INTO family_resolution
SELECT now()::TIMESTAMP, (SELECT count(*) FROM family_models) + (SELECT count(*) FROM family_missing),
       $edges, $levels, $seconds;
SELECT nodes, edges FROM family_resolution;
