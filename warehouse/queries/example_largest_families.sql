-- An example the demo suggests: the ten families with most models.
SELECT family, count(*) AS models FROM model_family GROUP BY family ORDER BY models DESC LIMIT 10;
