-- The merge's landing tables emptied of a run's rows, in the merge's own transaction.
DELETE FROM stage_models WHERE run_id = $run_id;
DELETE FROM stage_lineage WHERE run_id = $run_id;
DELETE FROM stage_readme_reads WHERE run_id = $run_id;
DELETE FROM stage_repos WHERE run_id = $run_id;
DELETE FROM stage_owners WHERE run_id = $run_id;
DELETE FROM stage_search_counts WHERE run_id = $run_id;
