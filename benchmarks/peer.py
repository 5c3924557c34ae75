"""Benchmark 5, the peer: the whole listing collected "the obvious way", for comparison.

    HfApi(endpoint=...).list_models(expand=[the tracker's fields])  ->  a list of dicts
    -> pandas.DataFrame  ->  one CREATE TABLE ... AS SELECT * FROM frame in DuckDB at the end.

It keeps the same facts as the tracker (ids, author, dates, tags, downloads, likes, gating and the
declared parents), but no staging, checkpointing, resume, dedup or lineage normalisation: nothing
is in the warehouse until the very end, and a crash at 99% loses everything. Run as a subprocess:
`python -m benchmarks.peer ENDPOINT DB_PATH`; prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    endpoint, db_path = (argv or sys.argv[1:])[:2]
    started = time.perf_counter()
    import duckdb
    import pandas as pd
    from huggingface_hub import HfApi
    from tracker.collectors.huggingface import EXPAND

    imported = time.perf_counter()
    rows = []
    for m in HfApi(endpoint=endpoint).list_models(expand=list(EXPAND)):
        base = m.base_models if isinstance(m.base_models, dict) else {}
        card = m.card_data
        rows.append({
            "model_id": m.id, "author": m.author, "created_at": m.created_at, "last_modified": m.last_modified,
            "pipeline_tag": m.pipeline_tag, "library_name": m.library_name, "tags": m.tags,
            "gated": str(m.gated) if m.gated is not None else None, "private": m.private,
            "downloads": m.downloads, "downloads_all_time": m.downloads_all_time, "likes": m.likes,
            "base_relation": base.get("relation"),
            "base_models": [p.get("id") for p in base.get("models") or []],
            "card_base_model": json.dumps(card.base_model) if card is not None and card.base_model else None,
            "license": card.license if card is not None else None,
        })
    listed = time.perf_counter()
    frame = pd.DataFrame(rows)
    framed = time.perf_counter()
    con = duckdb.connect(db_path)
    con.execute("CREATE OR REPLACE TABLE models AS SELECT *, current_date AS snapshot_date FROM frame")
    con.close()
    done = time.perf_counter()
    print(json.dumps({"models": len(frame), "import_seconds": imported - started, "list_seconds": listed - imported,
                      "frame_seconds": framed - listed, "duckdb_seconds": done - framed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
