-- New derivative models per month of creation and lineage family, both hubs counted once
-- (hub 'all': a ModelScope copy of a Hugging Face model is not counted twice), under one derivative definition.
SELECT d.month, d.family, d.new_derivatives, d.cumulative, d.share, d.coverage AS lineage_coverage,
       d.definition, (SELECT max(snapshot_date) FROM model_snapshot_facts) AS snapshot_date
FROM derivatives_by_family_month d
WHERE d.hub = 'all' AND d.definition = $definition AND d.month >= $since
ORDER BY d.month, d.new_derivatives DESC, d.family;
