-- Marks the warehouse as filled from stand-ins; $note says by what.
INSERT OR REPLACE INTO warehouse_meta VALUES ('simulated', $note);
