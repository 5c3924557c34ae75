"""One module per source; each yields pages of plain records and knows nothing of the warehouse."""
