-- Every ModelScope readme read so far: the model's last_modified then, and the parents it named.
SELECT model_id, last_modified, parents FROM readme_reads WHERE hub = 'modelscope' ORDER BY model_id;
