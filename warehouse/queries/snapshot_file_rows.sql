-- A snapshot file's rows from a row offset, only the columns named as the Hub's API names them
-- (a file may carry dozens more: they are never read).
SELECT COLUMNS(lambda c: c IN ('id', 'author', 'createdAt', 'lastModified', 'downloads', 'downloadsAllTime',
                               'likes', 'tags', 'pipeline_tag', 'library_name', 'cardData', 'baseModels'))
FROM read_parquet($path, file_row_number = true)
WHERE file_row_number >= $offset;
