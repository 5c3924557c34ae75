-- Models the named families' own organisations published that are on both hubs (model_identity):
-- which hub had each first, by UTC day of creation.
SELECT f.family, i.hf_model_id, i.ms_model_id, i.hf_created_at, i.ms_created_at,
       date_diff('day', i.ms_created_at::DATE, i.hf_created_at::DATE) AS days_modelscope_ahead,
       CASE WHEN i.ms_created_at IS NULL OR i.hf_created_at IS NULL THEN 'unknown'
            WHEN i.ms_created_at::DATE < i.hf_created_at::DATE THEN 'modelscope'
            WHEN i.ms_created_at::DATE = i.hf_created_at::DATE THEN 'same day'
            ELSE 'huggingface' END AS first_on
FROM model_identity i
JOIN model_family_members f ON f.hub = 'huggingface' AND f.model_id = i.hf_model_id AND f.first_party
WHERE list_contains($families, f.family)
ORDER BY f.family, i.hf_model_id, i.ms_model_id;
