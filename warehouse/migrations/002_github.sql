-- GitHub: AI repositories above the star threshold, their stars by day, their owners, and search totals.

CREATE TABLE repos (
    repo_id     BIGINT NOT NULL,               -- GitHub's id: stays when a repository is renamed or transferred
    full_name   VARCHAR NOT NULL,              -- owner/name as last listed
    owner_login VARCHAR NOT NULL,
    owner_type  VARCHAR,                       -- User | Organization
    created_at  TIMESTAMP,                     -- UTC
    pushed_at   TIMESTAMP,
    language    VARCHAR,
    license     VARCHAR,                       -- GitHub's license key (apache-2.0, mit, other, ...)
    topics      VARCHAR[],
    description VARCHAR,
    fork        BOOLEAN,
    archived    BOOLEAN,
    first_seen  DATE NOT NULL,                 -- first snapshot that listed it
    last_seen   DATE NOT NULL                  -- latest snapshot that listed it; never deleted when it drops out
);

-- One row per repository per snapshot day, keyed compactly by repo_id.
CREATE TABLE repo_snapshots (
    repo_id       BIGINT NOT NULL,
    snapshot_date DATE NOT NULL,
    stars         INTEGER,
    forks         INTEGER,
    open_issues   INTEGER
);

-- The owners' profiles, fetched once and again only when older than [github] owner_refresh_days.
CREATE TABLE owners (
    login        VARCHAR NOT NULL,
    type         VARCHAR,                      -- User | Organization
    name         VARCHAR,
    company      VARCHAR,
    location     VARCHAR,                      -- free text as the owner wrote it
    country_code VARCHAR,                      -- ISO 3166-1 alpha-2 read from location; NULL when unsure
    created_at   TIMESTAMP,
    fetched_at   TIMESTAMP NOT NULL            -- UTC; NULL fields with a fetched_at: the login answered 404
);

-- Totals that cannot be enumerated: the search's total_count per creation window, one row per
-- (query, window) per snapshot day, so a window's total can be followed over time.
CREATE TABLE search_counts (
    source             VARCHAR NOT NULL,       -- github
    query              VARCHAR NOT NULL,       -- the search query without its created: window
    window_start       DATE NOT NULL,
    window_end         DATE NOT NULL,          -- included
    total_count        BIGINT NOT NULL,
    incomplete_results BOOLEAN,                -- GitHub's own flag: the search timed out before counting all
    snapshot_date      DATE NOT NULL,
    collected_at       TIMESTAMP NOT NULL
);

CREATE TABLE stage_repos (
    run_id INTEGER NOT NULL, page INTEGER NOT NULL,
    repo_id BIGINT, full_name VARCHAR, owner_login VARCHAR, owner_type VARCHAR, created_at TIMESTAMP,
    pushed_at TIMESTAMP, language VARCHAR, license VARCHAR, topics VARCHAR[], description VARCHAR,
    fork BOOLEAN, archived BOOLEAN, stars INTEGER, forks INTEGER, open_issues INTEGER
);
CREATE TABLE stage_owners (
    run_id INTEGER NOT NULL, page INTEGER NOT NULL,
    login VARCHAR, type VARCHAR, name VARCHAR, company VARCHAR, location VARCHAR, country_code VARCHAR,
    created_at TIMESTAMP, fetched_at TIMESTAMP
);
CREATE TABLE stage_search_counts (
    run_id INTEGER NOT NULL, page INTEGER NOT NULL,
    source VARCHAR, query VARCHAR, window_start DATE, window_end DATE, total_count BIGINT,
    incomplete_results BOOLEAN, collected_at TIMESTAMP
);
