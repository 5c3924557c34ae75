-- The typed `hf_items` of staged Hugging Face pages (made by load_staged_huggingface_pages.sql or
-- load_staged_huggingface_typed_pages.sql) as the run's stage_models and stage_lineage rows: the one place a
-- Hub record's fields are interpreted. An empty text counts as none.

-- ISO-8601 text; with an offset (the Hub's `...000Z`) it is moved to UTC, without one it is taken as UTC.
CREATE OR REPLACE TEMP MACRO hf_timestamp(t) AS
    CASE WHEN regexp_matches(t, '(Z|[+-][0-9][0-9](:?[0-9][0-9])?)$')
         THEN try_cast(t AS TIMESTAMPTZ) AT TIME ZONE 'UTC'
         ELSE try_cast(t AS TIMESTAMP) END;

-- A repo id as the Hub spells it, from the forms cards use (URLs, stray spaces); NULL if none is left.
-- Most are spelt so already, and are only looked at (the regular expression costs ~1 µs each).
CREATE OR REPLACE TEMP MACRO hf_space_or_slash(c) AS contains(chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || '/', c);

CREATE OR REPLACE TEMP MACRO hf_repo_id(p) AS
    CASE WHEN p <> '' AND NOT (starts_with(p, 'https://huggingface.co/') OR starts_with(p, 'hf.co/'))
              AND NOT hf_space_or_slash(p[1]) AND NOT hf_space_or_slash(p[-1]) THEN p
         ELSE nullif(trim(regexp_replace(trim(p, chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)),
                                         '^(https://huggingface[.]co/)?(hf[.]co/)?', ''), '/'), '')
    END;

CREATE OR REPLACE TEMP MACRO hf_relation(r) AS
    CASE WHEN r IN ('finetune', 'adapter', 'quantized', 'merge') THEN r ELSE 'unknown' END;

INSERT INTO stage_models BY NAME
SELECT $run_id AS run_id, page, 'huggingface' AS hub, model_id,
       coalesce(nullif(author, ''), CASE WHEN contains(model_id, '/') THEN split_part(model_id, '/', 1) END)
           AS author,
       hf_timestamp(created_at) AS created_at, hf_timestamp(last_modified) AS last_modified,
       nullif(pipeline_tag, '') AS pipeline_tag, nullif(library_name, '') AS library_name,
       coalesce(list_filter(tags, lambda t: starts_with(t, 'license:'))[1][9:], nullif(card_license, '')) AS license,
       tags, nullif(gated, '') AS gated, private, downloads, downloads_all_time,
       try_cast(likes AS INTEGER) AS likes  -- the warehouse's type: a count beyond it is unreadable, NULL
FROM hf_items;

-- A model's parent edges, one per parent: from baseModels (rank 0), base_model tags (1) and the card (2).
-- (A `models` that is a string, not a list, names no parent; the former Python parser read its letters.)
-- Where two forms name the same parent, a known relation beats `unknown`, then the lower rank, then the
-- first named.
INSERT INTO stage_lineage BY NAME
WITH items AS MATERIALIZED (
    SELECT * FROM (
        SELECT page, model_id, list_filter(tags, lambda t: starts_with(t, 'base_model:')) AS base_tags,
               card_base, nullif(card_relation, '') AS card_relation, nullif(base_relation, '') AS base_relation,
               base_models
        FROM hf_items)
    WHERE len(base_tags) > 0 OR card_base IS NOT NULL OR base_models IS NOT NULL
),
candidates AS (
    SELECT page, model_id AS child_id, unnest(base_models) AS parent, hf_relation(base_relation) AS relation,
           0 AS rank, generate_subscripts(base_models, 1) AS n
    FROM items WHERE base_models IS NOT NULL
    UNION ALL
    -- `base_model:<relation>:<id>`, or the plain `base_model:<id>` that always comes beside it
    SELECT page, child_id,
           CASE WHEN known THEN substr(rest, strpos(rest, ':') + 1) ELSE rest END,
           CASE WHEN known THEN split_part(rest, ':', 1) ELSE 'unknown' END, 1, n
    FROM (SELECT *, contains(rest, ':') AND split_part(rest, ':', 1) IN ('finetune', 'adapter', 'quantized', 'merge')
                    AND substr(rest, strpos(rest, ':') + 1) <> '' AS known
          FROM (SELECT page, model_id AS child_id, unnest(base_tags)[12:] AS rest,
                       generate_subscripts(base_tags, 1) AS n
                FROM items WHERE len(base_tags) > 0))
    UNION ALL
    -- the card's base_model, a string or a list of strings, with the card's own base_model_relation
    SELECT page, model_id, unnest(card_base), hf_relation(card_relation), 2, generate_subscripts(card_base, 1)
    FROM items WHERE card_base IS NOT NULL
),
normalised AS (
    SELECT page, child_id, relation, (relation = 'unknown')::INTEGER * 4000000 + rank * 1000000 + n AS preference,
           hf_repo_id(parent) AS parent_id
    FROM candidates
)
SELECT $run_id AS run_id, page, 'huggingface' AS hub, child_id, parent_id,
       arg_min(relation, preference) AS relation,
       ['baseModels', 'tag', 'card'][min(preference) // 1000000 % 4 + 1] AS provenance
FROM normalised
WHERE parent_id IS NOT NULL
GROUP BY page, child_id, parent_id;

DROP TABLE hf_items;
