-- A new check's id: the verdicts of one run of the checks share it.
SELECT nextval('check_ids');
