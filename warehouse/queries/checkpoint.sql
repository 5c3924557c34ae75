-- Writes the WAL into the file.
CHECKPOINT;
