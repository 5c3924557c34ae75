"""The DuckDB warehouse: schema migrations, staged page loads, the run ledger and derived views."""
