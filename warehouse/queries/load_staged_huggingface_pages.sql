-- The one reader of a Hugging Face Hub record: staged page bodies (JSON arrays of model objects, as the
-- listing serves them and as a backfill batch is written) become the run's stage_models and stage_lineage
-- rows. Each file holds one page; its number ends the file name (`...-000042.json`). The collector checked
-- every page as it arrived (a JSON array of objects, each with a non-empty string `id`); any other field of
-- an unexpected type becomes NULL here, never an error. Every field is read as JSON so that its type can be
-- judged, as the API's values are: an integer may come as a float or as digits in a string.

CREATE OR REPLACE TEMP MACRO hf_json_text(j) AS
    CASE WHEN json_type(j) = 'VARCHAR' THEN nullif(j->>'$', '') END;

CREATE OR REPLACE TEMP MACRO hf_json_int(j) AS
    CASE json_type(j)
        WHEN 'BIGINT' THEN j::BIGINT
        WHEN 'UBIGINT' THEN j::BIGINT
        WHEN 'DOUBLE' THEN CASE WHEN NOT isnan(j::DOUBLE) THEN trunc(j::DOUBLE)::BIGINT END
        WHEN 'VARCHAR' THEN CASE WHEN regexp_full_match(trim(j->>'$'), '-?[0-9]+') THEN trim(j->>'$')::BIGINT END
    END;

-- ISO-8601 text; with an offset (the Hub's `...000Z`) it is moved to UTC, without one it is taken as UTC.
CREATE OR REPLACE TEMP MACRO hf_json_timestamp(j) AS
    CASE WHEN json_type(j) = 'VARCHAR' THEN
        CASE WHEN regexp_matches(j->>'$', '(Z|[+-][0-9][0-9](:?[0-9][0-9])?)$')
             THEN try_cast(j->>'$' AS TIMESTAMPTZ) AT TIME ZONE 'UTC'
             ELSE try_cast(j->>'$' AS TIMESTAMP) END
    END;

CREATE OR REPLACE TEMP MACRO hf_json_texts(j) AS
    CASE WHEN json_type(j) = 'ARRAY'
         THEN list_transform(list_filter(j::JSON[], lambda v: json_type(v) = 'VARCHAR'), lambda v: v->>'$')
         ELSE []::VARCHAR[] END;

CREATE OR REPLACE TEMP MACRO hf_relation(j) AS
    CASE WHEN hf_json_text(j) IN ('finetune', 'adapter', 'quantized', 'merge') THEN j->>'$' ELSE 'unknown' END;

CREATE OR REPLACE TEMP MACRO hf_page_items(files) AS TABLE
SELECT regexp_extract(filename, 'page-([0-9]+)[.][^/]*$', 1)::INTEGER AS page, id AS model_id,
       author, createdAt, lastModified, pipeline_tag, library_name, hf_json_texts(tags) AS tags,
       gated, private, downloads, downloadsAllTime, likes, cardData, baseModels
FROM read_json(files, format = 'array', filename = true, columns = {
    id: 'VARCHAR', author: 'JSON', createdAt: 'JSON', lastModified: 'JSON', pipeline_tag: 'JSON',
    library_name: 'JSON', tags: 'JSON', gated: 'JSON', private: 'JSON', downloads: 'JSON',
    downloadsAllTime: 'JSON', likes: 'JSON', cardData: 'JSON', baseModels: 'JSON'});

INSERT INTO stage_models BY NAME
SELECT $run_id AS run_id, page, 'huggingface' AS hub, model_id,
       coalesce(hf_json_text(author), CASE WHEN contains(model_id, '/') THEN split_part(model_id, '/', 1) END)
           AS author,
       hf_json_timestamp(createdAt) AS created_at, hf_json_timestamp(lastModified) AS last_modified,
       hf_json_text(pipeline_tag) AS pipeline_tag, hf_json_text(library_name) AS library_name,
       coalesce(list_filter(tags, lambda t: starts_with(t, 'license:'))[1][9:],
                hf_json_text(cardData->'$.license')) AS license,
       tags,
       CASE json_type(gated) WHEN 'BOOLEAN' THEN gated::BOOLEAN::VARCHAR ELSE hf_json_text(gated) END AS gated,
       CASE WHEN json_type(private) = 'BOOLEAN' THEN private::BOOLEAN END AS private,
       hf_json_int(downloads) AS downloads, hf_json_int(downloadsAllTime) AS downloads_all_time,
       hf_json_int(likes) AS likes
FROM hf_page_items($files);

-- A model's parent edges, one per parent: from baseModels (rank 0), base_model tags (1) and the card (2).
-- (A `models` that is a string, not a list, names no parent; the former Python parser read its letters.)
-- Where two forms name the same parent, a known relation beats `unknown`, then the lower rank, then the
-- first named.
INSERT INTO stage_lineage BY NAME
WITH items AS MATERIALIZED (
    SELECT * FROM (
        SELECT page, model_id, list_filter(tags, lambda t: starts_with(t, 'base_model:')) AS base_tags,
               cardData->'$.base_model' AS card_base, cardData->'$.base_model_relation' AS card_relation,
               baseModels->'$.relation' AS base_relation, baseModels->'$.models' AS base_models
        FROM hf_page_items($files))
    WHERE len(base_tags) > 0 OR card_base IS NOT NULL OR base_models IS NOT NULL
),
candidates AS (
    SELECT page, model_id AS child_id,
           CASE json_type(m) WHEN 'OBJECT' THEN hf_json_text(m->'$.id') WHEN 'VARCHAR' THEN m->>'$' END AS parent,
           hf_relation(base_relation) AS relation, 0 AS rank, n
    FROM (SELECT page, model_id, base_relation, unnest(base_models::JSON[]) AS m,
                 generate_subscripts(base_models::JSON[], 1) AS n
          FROM items WHERE json_type(base_models) = 'ARRAY')
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
    SELECT page, child_id, unnest(ps), relation, 2, generate_subscripts(ps, 1)
    FROM (SELECT page, model_id AS child_id, hf_relation(card_relation) AS relation,
                 CASE json_type(card_base) WHEN 'VARCHAR' THEN [card_base->>'$'] ELSE hf_json_texts(card_base) END AS ps
          FROM items WHERE card_base IS NOT NULL)
),
-- A repo id as the Hub spells it, from the forms cards use (URLs, stray spaces).
normalised AS (
    SELECT page, child_id, relation,
           (relation = 'unknown')::INTEGER * 4000000 + rank * 1000000 + n AS preference,
           nullif(trim(regexp_replace(trim(parent, chr(32) || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)),
                                      '^(https://huggingface[.]co/)?(hf[.]co/)?', ''), '/'), '') AS parent_id
    FROM candidates
)
SELECT $run_id AS run_id, page, 'huggingface' AS hub, child_id, parent_id,
       arg_min(relation, preference) AS relation,
       ['baseModels', 'tag', 'card'][min(preference) // 1000000 % 4 + 1] AS provenance
FROM normalised
WHERE parent_id IS NOT NULL
GROUP BY page, child_id, parent_id;
