-- Staged page bodies whose every field has the type the Hub documents (the collector checked each page
-- as it arrived: huggingface_records.check_page), read with native types: the fast road, and the usual
-- one. They become the same typed `hf_items` as load_staged_huggingface_pages.sql makes of any other page,
-- for stage_huggingface_items.sql to fold in. Such a page has no `baseModels` (the listing cannot expand
-- it). The card stays JSON: it is the model's own YAML, and a key named twice in it fails a native read.
CREATE OR REPLACE TEMP TABLE hf_items AS
SELECT regexp_extract(filename, 'page-([0-9]+)[.][^/]*$', 1)::INTEGER AS page, id AS model_id,
       author, createdAt AS created_at, lastModified AS last_modified, pipeline_tag, library_name,
       coalesce(tags, []) AS tags, gated, private, downloads, downloadsAllTime AS downloads_all_time, likes,
       cardData->>'$.license' AS card_license,
       CASE json_type(cardData->'$.base_model') WHEN 'VARCHAR' THEN [cardData->>'$.base_model']
            WHEN 'ARRAY' THEN (cardData->'$.base_model')::VARCHAR[] END AS card_base,
       cardData->>'$.base_model_relation' AS card_relation,
       NULL::VARCHAR AS base_relation, NULL::VARCHAR[] AS base_models
FROM read_json($files, format = 'array', filename = true, columns = {
    id: 'VARCHAR', author: 'VARCHAR', createdAt: 'VARCHAR', lastModified: 'VARCHAR', pipeline_tag: 'VARCHAR',
    library_name: 'VARCHAR', tags: 'VARCHAR[]', gated: 'VARCHAR', private: 'BOOLEAN', downloads: 'BIGINT',
    downloadsAllTime: 'BIGINT', likes: 'BIGINT', cardData: 'JSON'});
