"""How results reach the user: tables, CSV or JSON on stdout; progress on stderr."""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import IO, TYPE_CHECKING, Iterator

import duckdb

if TYPE_CHECKING:  # pandas is loaded by the commands that print results, not by every start-up
    import pandas

FORMATS = ("table", "csv", "json")
log = logging.getLogger("tracker")


def write(result: duckdb.DuckDBPyConnection, fmt: str, stream: IO[str]) -> None:
    write_frame(result.fetchdf(), fmt, stream)


def write_rows(rows: list[dict], fmt: str, stream: IO[str]) -> None:
    import pandas

    write_frame(pandas.DataFrame(rows), fmt, stream)


def write_frame(frame: pandas.DataFrame, fmt: str, stream: IO[str]) -> None:
    if fmt == "csv":
        frame.to_csv(stream, index=False)
    elif fmt == "json":
        stream.write(frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2) + "\n")
    elif frame.empty:
        stream.write(" | ".join(frame.columns) + "\n(no rows)\n")
    else:
        stream.write(frame.to_string(index=False, max_colwidth=80) + "\n")


@contextlib.contextmanager
def page_progress(source: str) -> Iterator:
    """A progress bar on a terminal, a log line per page otherwise; with a total and an ETA once a page
    tells the catalogue's size (ModelScope's listing does, for one)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        with tqdm(desc=source, unit=" records", file=sys.stderr) as bar:
            def on_page(run, page) -> None:
                if page.catalog_total and bar.total != page.catalog_total:
                    bar.total = page.catalog_total  # tqdm shows the share done and the time left from here
                bar.update(len(page.records.get("models") or page.records.get("repos") or ()))
                bar.set_postfix(pages=run.pages)
            yield on_page
        return

    def log_page(run, page) -> None:
        of = f" of {page.catalog_total:,}" if page.catalog_total else ""
        log.info("%s: page %s committed (%s records%s so far)", source, run.pages, f"{run.records:,}", of)
    yield log_page
