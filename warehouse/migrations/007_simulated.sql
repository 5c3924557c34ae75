-- Where the warehouse's data comes from. A row with key 'simulated' marks a warehouse filled from
-- local stand-ins of the hubs (tracker demo), so every report, export and check made from it says
-- SIMULATED however long after it was written. A warehouse of real hub data has no such row.

CREATE TABLE warehouse_meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
