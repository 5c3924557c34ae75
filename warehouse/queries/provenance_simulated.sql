-- Why the warehouse's data is simulated; no row for real hub data.
SELECT value FROM warehouse_meta WHERE key = 'simulated';
