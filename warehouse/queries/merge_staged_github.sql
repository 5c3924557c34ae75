-- Folds a run's staged GitHub pages into repos, repo_snapshots, owners and search_counts; safe to repeat.

-- A repository listed twice in one run (its stars moved it across a page boundary) counts once: its latest page.
CREATE OR REPLACE TEMP TABLE run_repos AS
SELECT * EXCLUDE (run_id)
FROM stage_repos
WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY repo_id ORDER BY page DESC) = 1;

UPDATE repos
SET full_name = r.full_name, owner_login = r.owner_login, owner_type = r.owner_type,
    created_at = r.created_at, pushed_at = r.pushed_at, language = r.language, license = r.license,
    topics = r.topics, description = r.description, fork = r.fork, archived = r.archived,
    first_seen = least(repos.first_seen, $snapshot_date),
    last_seen = greatest(repos.last_seen, $snapshot_date)
FROM run_repos r
WHERE repos.repo_id = r.repo_id;

INSERT INTO repos (repo_id, full_name, owner_login, owner_type, created_at, pushed_at, language, license,
                   topics, description, fork, archived, first_seen, last_seen)
SELECT r.repo_id, r.full_name, r.owner_login, r.owner_type, r.created_at, r.pushed_at, r.language, r.license,
       r.topics, r.description, r.fork, r.archived, $snapshot_date, $snapshot_date
FROM run_repos r
ANTI JOIN repos USING (repo_id)
ORDER BY r.repo_id;

DELETE FROM repo_snapshots
WHERE snapshot_date = $snapshot_date AND repo_id IN (SELECT repo_id FROM run_repos);

INSERT INTO repo_snapshots
SELECT repo_id, $snapshot_date, stars, forks, open_issues
FROM run_repos
ORDER BY repo_id;

-- An owner's latest fetch wins, including over a slower, older run merged later.
CREATE OR REPLACE TEMP TABLE run_owners AS
SELECT * EXCLUDE (run_id, page)
FROM stage_owners
WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY login ORDER BY fetched_at DESC, page DESC) = 1;

DELETE FROM owners
WHERE EXISTS (SELECT 1 FROM run_owners r WHERE r.login = owners.login AND r.fetched_at >= owners.fetched_at);

INSERT INTO owners
SELECT r.login, r.type, r.name, r.company, r.location, r.country_code, r.created_at, r.fetched_at
FROM run_owners r
ANTI JOIN owners USING (login)
ORDER BY r.login;

-- A window counted again on the same day replaces that day's total.
CREATE OR REPLACE TEMP TABLE run_counts AS
SELECT * EXCLUDE (run_id)
FROM stage_search_counts
WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY source, query, window_start, window_end ORDER BY page DESC) = 1;

DELETE FROM search_counts
WHERE snapshot_date = $snapshot_date
  AND EXISTS (SELECT 1 FROM run_counts c
              WHERE c.source = search_counts.source AND c.query = search_counts.query
                AND c.window_start = search_counts.window_start AND c.window_end = search_counts.window_end);

INSERT INTO search_counts
SELECT source, query, window_start, window_end, total_count, incomplete_results, $snapshot_date, collected_at
FROM run_counts
ORDER BY source, query, window_start, window_end;

DROP TABLE run_counts;
DROP TABLE run_owners;
DROP TABLE run_repos;
