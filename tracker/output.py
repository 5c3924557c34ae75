"""How results reach the user: tables, CSV or JSON on stdout; progress on stderr."""

from __future__ import annotations

import contextlib
import logging
import math
import re
import sys
from typing import IO, TYPE_CHECKING, Callable, Iterable, Iterator

import duckdb

if TYPE_CHECKING:  # pandas and pyarrow are loaded by the commands that print results, not by every start-up
    import pandas
    import pyarrow

FORMATS = ("table", "csv", "json")
TABLE_ROWS = 100  # the table view shows this many rows, then says how many more there are
# What a terminal would act on rather than show: C0 and C1 controls (ESC starts a terminal command;
# U+009B is a one-byte CSI), DEL, and the invisible format characters that reorder or hide text.
TERMINAL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
log = logging.getLogger("tracker")


def write(result: duckdb.DuckDBPyConnection, fmt: str, stream: IO[str]) -> None:
    write_frame(result.fetchdf(), fmt, stream)


def write_rows(rows: list[dict], fmt: str, stream: IO[str], columns: list[str] | None = None) -> None:
    """Rows keyed by column name; `columns` names them (and their order) even when there is no row."""
    import pandas

    write_frame(pandas.DataFrame(rows, columns=columns), fmt, stream)


def write_frame(frame: pandas.DataFrame, fmt: str, stream: IO[str]) -> None:
    if fmt == "csv":
        frame.to_csv(stream, index=False)
    elif fmt == "json":
        stream.write(frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2) + "\n")
    elif frame.empty:
        stream.write(" | ".join(frame.columns) + "\n(no rows)\n")
    else:
        stream.write(frame.to_string(index=False, max_colwidth=80) + "\n")


def escape_controls(text: str) -> str:
    """`text` with every terminal control shown as its escape (ESC as \\x1b), nothing else changed."""
    return TERMINAL_CONTROLS.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    code = ord(match.group())
    return {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}.get(code) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def write_batches(columns: list[str], batches: Iterable[pyarrow.RecordBatch], fmt: str, stream: IO[str], *,
                  escape: bool, max_rows: int = TABLE_ROWS, stopped: Callable[[], bool] = lambda: False) -> None:
    """A query's result, batch by batch: CSV and JSON streamed whole, the table view cut at `max_rows`.

    `escape`: the stream is a terminal, so control characters in values are shown escaped (the table
    view always escapes them). `stopped` is asked between batches: a stopped query writes no more.
    """
    def live() -> Iterator[pyarrow.RecordBatch]:
        for batch in batches:
            if stopped():
                return
            yield batch

    if fmt == "csv":
        _write_csv(columns, live(), stream, escape)
    elif fmt == "json":
        _write_json(columns, live(), stream, escape)
    else:
        _write_table(columns, live(), stream, max_rows)


def _write_csv(columns: list[str], batches, stream: IO[str], escape: bool) -> None:
    """CSV a batch at a time, each written by pandas as a whole result was before; the header once."""
    header = True
    for batch in batches:
        frame = batch.to_pandas()
        if escape:
            frame = _escaped_frame(frame)
        frame.to_csv(stream, index=False, header=header, lineterminator="\n")
        header = False
    if header:  # no batch at all: the header alone
        stream.write(",".join((escape_controls if escape else str)(c) for c in columns) + "\n")


def _escaped_frame(frame: pandas.DataFrame) -> pandas.DataFrame:
    """`frame` with every text cell (and name) shown with its controls escaped."""
    import pandas

    frame = frame.copy()
    frame.columns = [escape_controls(str(c)) for c in frame.columns]
    for name in frame.columns:
        if frame[name].dtype == object or pandas.api.types.is_string_dtype(frame[name]):
            frame[name] = frame[name].astype(object).map(_shown)
    return frame


def _write_json(columns: list[str], batches, stream: IO[str], escape: bool) -> None:
    """A JSON array written a batch at a time: valid JSON however many rows, one object per line.

    Each batch is serialised by pandas, as a whole result was before: ISO dates, NaN as null."""
    stream.write("[")
    first = True
    for batch in batches:
        if not batch.num_rows:
            continue
        text = batch.to_pandas().to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
        records = text.rstrip("\n").split("\n")  # pandas escapes a newline inside a value: these end records
        if escape:
            records = [TERMINAL_CONTROLS.sub(_json_escaped, record) for record in records]
        stream.write(("\n  " if first else ",\n  ") + ",\n  ".join(records))
        first = False
    stream.write("\n]\n" if not first else "]\n")


def _json_escaped(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"  # a JSON escape: the text stays valid JSON


def _shown(value):
    """A table cell as text with its controls escaped; a missing value stays missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return escape_controls(str(value))


def _write_table(columns: list[str], batches, stream: IO[str], max_rows: int) -> None:
    import pyarrow

    shown, more = [], 0
    for batch in batches:
        room = max_rows - sum(b.num_rows for b in shown)
        if room > 0:
            shown.append(batch.slice(0, room))
        more += max(0, batch.num_rows - max(room, 0))  # the rest are counted, never held
    frame = pyarrow.Table.from_batches(shown).to_pandas() if shown else None
    if frame is None or frame.empty:
        stream.write(escape_controls(" | ".join(columns)) + "\n(no rows)\n")
        return
    frame = _escaped_frame(frame)
    stream.write(frame.to_string(index=False, max_colwidth=80) + "\n")
    if more:
        stream.write(f"… {more:,} more rows (--format csv or json writes them all)\n")


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
