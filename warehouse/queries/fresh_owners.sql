-- Owners fetched at or after $since (UTC): the GitHub collector does not fetch them again.
SELECT login FROM owners WHERE fetched_at >= $since ORDER BY login;
