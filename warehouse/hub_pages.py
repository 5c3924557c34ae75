"""Hugging Face page bodies read into rows outside a run: the doctor's sample page, and the tests.

The same readers as a run's merge (warehouse/load.py), in a scratch warehouse that is gone afterwards;
a collection reads its staged pages at its merge instead.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

from tracker.collectors.huggingface_records import check_page
from tracker.collectors.records import CollectorError, first_line
from tracker.warehouse.errors import WarehouseError
from tracker.warehouse import db, load, sql


def read_pages(bodies: list[bytes]) -> dict[str, list[dict]]:
    """The model and lineage rows of whole page bodies, each checked as a collection checks it.

    Raises CollectorError for a malformed page, and for a scratch warehouse that cannot be made or read.
    """
    try:
        return _read(bodies)
    except (duckdb.Error, WarehouseError, OSError) as error:
        raise CollectorError(f"the pages could not be read in a scratch warehouse: {first_line(error)}") from None


def _read(bodies: list[bytes]) -> dict[str, list[dict]]:
    with tempfile.TemporaryDirectory(prefix="tracker-hf-page-") as folder:
        files: dict[str, list[str]] = {}
        for number, body in enumerate(bodies, 1):
            page = check_page(body, number)
            path = Path(folder) / f"page-{number:06d}.{page.kind}.json"
            path.write_bytes(page.body)
            files.setdefault(page.kind, []).append(str(path))
        con = db.connect(Path(folder) / "scratch.duckdb")
        try:
            for kind, paths in files.items():
                load.load_staged(con, 0, kind, paths)
            return {"models": _rows(sql.run(con, "staged_model_rows")),
                    "lineage": _rows(sql.run(con, "staged_lineage_rows"))}
        finally:
            con.close()


def _rows(result: duckdb.DuckDBPyConnection) -> list[dict]:
    names = [column[0] for column in result.description]
    return [dict(zip(names, row)) for row in result.fetchall()]
