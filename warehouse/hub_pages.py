"""Hugging Face page bodies read into rows outside a run: the doctor's sample page, and the tests.

The same reader as a run's merge (`load_staged_huggingface_pages.sql`), in a scratch warehouse that
is gone afterwards; a collection reads its staged pages at its merge instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from tracker.collectors.huggingface_records import PAGE_KIND, check_page
from tracker.warehouse import db, sql


def read_pages(bodies: list[bytes]) -> dict[str, list[dict]]:
    """The model and lineage rows of whole page bodies, each checked as a collection checks it."""
    with tempfile.TemporaryDirectory(prefix="tracker-hf-page-") as folder:
        files = []
        for number, body in enumerate(bodies, 1):
            check_page(body, number)
            files.append(Path(folder) / f"page-{number:06d}.{PAGE_KIND}.json")
            files[-1].write_bytes(body)
        con = db.connect(Path(folder) / "scratch.duckdb")
        try:
            sql.run(con, "load_staged_huggingface_pages", files=[str(f) for f in files], run_id=0)
            return {"models": _rows(sql.run(con, "staged_model_rows")),
                    "lineage": _rows(sql.run(con, "staged_lineage_rows"))}
        finally:
            con.close()


def _rows(result: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [column[0] for column in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]
