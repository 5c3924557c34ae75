-- How many models each hub listed on each snapshot day, kept beside the facts by every merge
-- (warehouse/queries/merge_staged_models.sql recounts the day of each hub it wrote). The per-day trends
-- and each hub's latest day read this instead of joining a year of facts to the models: at a million
-- models x 365 days that join alone takes tens of seconds (benchmarks/history.py).
CREATE TABLE hub_snapshot_counts (
    hub           VARCHAR NOT NULL,
    snapshot_date DATE NOT NULL,
    models        BIGINT NOT NULL              -- rows of model_snapshot_facts of the hub's models on that day
);

INSERT INTO hub_snapshot_counts
SELECT m.hub, f.snapshot_date, count(*)
FROM model_snapshot_facts f JOIN models m USING (model_key)
GROUP BY m.hub, f.snapshot_date
ORDER BY f.snapshot_date, m.hub;

-- Each hub's latest snapshot day (as 010 defined it), from the counts.
CREATE OR REPLACE VIEW hub_latest_snapshot AS
SELECT hub, max(snapshot_date) AS snapshot_date
FROM hub_snapshot_counts
GROUP BY hub;
