-- Cross-hub identity: the same model on Hugging Face and ModelScope, matched by organisation and name.

-- Filled from warehouse/data/organisation_aliases.csv each time the warehouse is opened for writing.
CREATE TABLE organisation_aliases (
    hub          VARCHAR NOT NULL,             -- the hub on which the account is named so
    alias        VARCHAR NOT NULL,             -- the account, as the hub spells it
    organisation VARCHAR NOT NULL              -- the organisation it stands for, by its Hugging Face name
                                               -- (a mirror account such as AI-ModelScope has a row per organisation)
);

-- One row per pair of models with the same organisation and name (case aside) on the two hubs.
CREATE VIEW model_identity AS
WITH named AS (
    SELECT hub, model_id, created_at,
           lower(split_part(model_id, '/', 1)) AS account,
           lower(substr(model_id, strpos(model_id, '/') + 1)) AS name
    FROM models
    WHERE hub IN ('huggingface', 'modelscope') AND contains(model_id, '/')
),
organised AS (
    SELECT n.*, coalesce(lower(a.organisation), n.account) AS organisation
    FROM named n
    LEFT JOIN organisation_aliases a ON a.hub = n.hub AND lower(a.alias) = n.account
)
SELECT hf.organisation,
       hf.model_id   AS hf_model_id,
       ms.model_id   AS ms_model_id,
       hf.created_at AS hf_created_at,
       ms.created_at AS ms_created_at,
       CASE WHEN hf.created_at < ms.created_at THEN 'huggingface'
            WHEN ms.created_at < hf.created_at THEN 'modelscope'
            WHEN ms.created_at = hf.created_at THEN 'both'
       END AS first_hub                        -- NULL when either creation time is unknown
FROM organised hf
JOIN organised ms ON ms.organisation = hf.organisation AND ms.name = hf.name
WHERE hf.hub = 'huggingface' AND ms.hub = 'modelscope';
