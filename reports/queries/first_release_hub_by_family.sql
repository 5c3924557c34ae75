-- Models a listed organisation (organisations.csv) published on both hubs (model_identity), by the lineage
-- family of the Hugging Face copy: on which hub each appeared first, by UTC day of creation.
SELECT f.family,
       CASE WHEN i.ms_created_at IS NULL OR i.hf_created_at IS NULL THEN 'Unknown'
            WHEN i.ms_created_at::DATE < i.hf_created_at::DATE THEN 'ModelScope first'
            WHEN i.ms_created_at::DATE = i.hf_created_at::DATE THEN 'Same day'
            ELSE 'Hugging Face first' END AS first_release,
       count(*) AS models,
       (SELECT max(snapshot_date) FROM model_snapshot_facts) AS snapshot_date
FROM model_identity i
JOIN ref_organisations o ON lower(o.organisation) = i.organisation
JOIN (SELECT DISTINCT model_id, family FROM model_family WHERE hub = 'huggingface') f ON f.model_id = i.hf_model_id
GROUP BY ALL
ORDER BY f.family, first_release;
