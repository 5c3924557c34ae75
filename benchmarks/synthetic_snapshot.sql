-- A synthetic snapshot of the Hub's catalogue in the public snapshot files' shape: the API-named columns,
-- tags a list, cardData JSON text, and columns the backfill never reads (siblings, sha). One model in five
-- declares a base model; `$week` shifts the counts (all-time grows) and drops/adds a few models.
SELECT 'org' || (i % 20000) || '/model-' || i AS id,
       'org' || (i % 20000) AS author,
       TIMESTAMP '2022-01-01' + to_seconds(i * 60) AS createdAt,
       TIMESTAMP '2024-01-01' + to_seconds(i * 30 + $week * 86400) AS lastModified,
       (i * 7919) % 5000 AS downloads,
       (i * 104729) % 1000000 + $week * ((i % 97) + 1) AS downloadsAllTime,
       i % 300 AS likes,
       CASE WHEN i % 5 = 0
            THEN ['transformers', 'safetensors', 'license:apache-2.0', 'base_model:org' || ((i // 5) % 20000) ||
                  '/model-' || (i // 5), 'base_model:finetune:org' || ((i // 5) % 20000) || '/model-' || (i // 5),
                  'region:us']
            ELSE ['transformers', 'safetensors', 'license:mit', 'region:us'] END AS tags,
       'text-generation' AS pipeline_tag,
       'transformers' AS library_name,
       CASE WHEN i % 5 = 0 THEN '{"license": "apache-2.0", "base_model": "org' || ((i // 5) % 20000) || '/model-' ||
                                (i // 5) || '"}'
            ELSE '{"license": "mit"}' END AS cardData,
       '[{"rfilename": ".gitattributes"}, {"rfilename": "config.json"}, {"rfilename": "model.safetensors"}]'
           AS siblings,
       md5(i::VARCHAR) AS sha
FROM range($week * 1000, $models + $week * 1000) t(i);
