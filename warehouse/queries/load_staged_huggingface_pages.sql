-- Staged page bodies with any field of an unexpected type (JSON arrays of model objects, as the listing
-- serves them and as a backfill batch is written) as the typed `hf_items` that stage_huggingface_items.sql
-- folds into the run's rows. Each file holds one page; its number ends the file name (`...-000042.json`).
-- The collector checked every page as it arrived (a JSON array of objects, each with a non-empty string `id`);
-- a field of an unexpected type becomes NULL here, never an error. Every field is read as JSON so that its type
-- can be judged, as the API's values are: an integer may come as a float or as digits in a string.
-- (Pages whose every field has its documented type are read natively: load_staged_huggingface_typed_pages.sql.)

CREATE OR REPLACE TEMP MACRO hf_json_text(j) AS
    CASE WHEN json_type(j) = 'VARCHAR' THEN j->>'$' END;

-- A count beyond BIGINT's range (1e300, twenty digits) is as unreadable as any other wrong type: NULL.
CREATE OR REPLACE TEMP MACRO hf_json_int(j) AS
    CASE json_type(j)
        WHEN 'BIGINT' THEN j::BIGINT
        WHEN 'UBIGINT' THEN try_cast(j::UBIGINT AS BIGINT)
        WHEN 'DOUBLE' THEN CASE WHEN NOT isnan(j::DOUBLE) THEN try_cast(trunc(j::DOUBLE) AS BIGINT) END
        WHEN 'VARCHAR' THEN CASE WHEN regexp_full_match(trim(j->>'$'), '-?[0-9]+') THEN try_cast(trim(j->>'$') AS BIGINT) END
    END;

CREATE OR REPLACE TEMP MACRO hf_json_texts(j) AS
    CASE WHEN json_type(j) = 'ARRAY'
         THEN list_transform(list_filter(j::JSON[], lambda v: json_type(v) = 'VARCHAR'), lambda v: v->>'$')
         ELSE []::VARCHAR[] END;

CREATE OR REPLACE TEMP TABLE hf_items AS
SELECT regexp_extract(filename, 'page-([0-9]+)[.][^/]*$', 1)::INTEGER AS page, id AS model_id,
       hf_json_text(author) AS author, hf_json_text(createdAt) AS created_at, hf_json_text(lastModified) AS last_modified,
       hf_json_text(pipeline_tag) AS pipeline_tag, hf_json_text(library_name) AS library_name,
       hf_json_texts(tags) AS tags,
       CASE json_type(gated) WHEN 'BOOLEAN' THEN gated::BOOLEAN::VARCHAR ELSE hf_json_text(gated) END AS gated,
       CASE WHEN json_type(private) = 'BOOLEAN' THEN private::BOOLEAN END AS private,
       hf_json_int(downloads) AS downloads, hf_json_int(downloadsAllTime) AS downloads_all_time,
       hf_json_int(likes) AS likes,
       hf_json_text(cardData->'$.license') AS card_license,
       CASE json_type(cardData->'$.base_model') WHEN 'VARCHAR' THEN [cardData->>'$.base_model']
            WHEN 'ARRAY' THEN hf_json_texts(cardData->'$.base_model') END AS card_base,
       hf_json_text(cardData->'$.base_model_relation') AS card_relation,
       hf_json_text(baseModels->'$.relation') AS base_relation,
       -- a baseModels entry names its parent as an object's id or as a string; any other entry names none
       CASE WHEN json_type(baseModels->'$.models') = 'ARRAY' THEN
           list_transform((baseModels->'$.models')::JSON[], lambda m: CASE json_type(m)
               WHEN 'OBJECT' THEN hf_json_text(m->'$.id') WHEN 'VARCHAR' THEN m->>'$' END)
       END AS base_models
FROM read_json($files, format = 'array', filename = true, columns = {
    id: 'VARCHAR', author: 'JSON', createdAt: 'JSON', lastModified: 'JSON', pipeline_tag: 'JSON',
    library_name: 'JSON', tags: 'JSON', gated: 'JSON', private: 'JSON', downloads: 'JSON',
    downloadsAllTime: 'JSON', likes: 'JSON', cardData: 'JSON', baseModels: 'JSON'});
