-- What a benchmarked collection left: its run's status, pages and records, and the models and edges.
SELECT status, pages, records, (SELECT count(*) FROM models), (SELECT count(*) FROM lineage) FROM runs;
