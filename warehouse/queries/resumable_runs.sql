-- Runs of any source a later run may go on from: their staged pages are kept.
SELECT run_id FROM runs WHERE resumable ORDER BY run_id;
