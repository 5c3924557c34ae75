"""`tracker sql`: one user query on the warehouse, read-only in fact, stoppable, and streamed.

Read-only in fact, not only by the file's read-only mode: the connection is opened with DuckDB's file
system switched off (no COPY TO, ATTACH, EXPORT, INSTALL, read_csv of other files), no temporary
directory (a query that outgrows the memory limit fails rather than spilling files beside the
warehouse), no extension loading, and the configuration locked so the query cannot SET any of it back.

The query runs in a worker thread while the main thread waits, so that SIGTERM, Ctrl-C or --timeout
can interrupt DuckDB mid-query (a signal handler only runs on the main thread).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import duckdb

from tracker import output
from tracker.collectors.records import first_line
from tracker.collectors.waiting import STOP
from tracker.warehouse import db
from tracker.warehouse.db import WarehouseError

MEMORY_LIMIT = "1GB"
BATCH_ROWS = 10_000
# The settings of every `tracker sql` connection. lock_configuration comes last in effect: nothing
# the query says can change the others.
READ_ONLY_SETTINGS = {
    "enable_external_access": False,
    "temp_directory": "",
    "memory_limit": MEMORY_LIMIT,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "allow_persistent_secrets": False,
    "lock_configuration": True,
}
WAKE_SECONDS = 0.2  # how often the waiting main thread repeats a stop the query may not have seen yet
STOP_SIGNALS = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}


class QueryStopped(WarehouseError):
    """The query was ended by a signal or its time limit."""


@dataclass
class Execution:
    """One query in its worker thread: what it produced, and why it was stopped if it was."""

    con: duckdb.DuckDBPyConnection | None = None
    stopped_by: str | None = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def stop(self, why: str) -> None:
        self.stopped_by = self.stopped_by or why
        self.interrupt()

    def interrupt(self) -> None:
        if self.con is not None:
            self.con.interrupt()


def run(path: Path, text: str, fmt: str, stream: IO[str] | None = None, *, timeout: float | None = None,
        max_rows: int = output.TABLE_ROWS) -> None:
    """Run `text` on the warehouse at `path` and write its result to `stream` (stdout) as `fmt`."""
    stream = stream or sys.stdout
    check_one_statement(text)
    execution = Execution()
    with _signals_stop(execution):  # before the warehouse is opened: a signal from then on stops the query
        if STOP.is_set():  # SIGTERM came before these handlers
            execution.stop("SIGTERM")
        execution.con = db.connect(path, read_only=True, settings=READ_ONLY_SETTINGS)
        try:
            worker = threading.Thread(target=_work, args=(execution, text, fmt, stream, max_rows), daemon=True)
            worker.start()
            _wait(execution, timeout)
            worker.join()
        finally:
            execution.con.close()
    _raise_for(execution)


def _wait(execution: Execution, timeout: float | None) -> None:
    """Until the worker is done; a stop asked for is repeated, as it may have come before the query began."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not execution.done.wait(WAKE_SECONDS if deadline is None else min(WAKE_SECONDS, _left(deadline))):
        if deadline is not None and time.monotonic() >= deadline:
            execution.stop(f"its time limit (--timeout {timeout:g} s)")
        if execution.stopped_by:
            execution.interrupt()


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def check_one_statement(text: str) -> None:
    """Exactly one statement: an empty or comment-only query, or several, is one line."""
    try:
        count = len(duckdb.extract_statements(text))
    except duckdb.Error as error:
        raise WarehouseError(f"SQL error: {_first_line(error)}") from None
    if count == 0:
        raise WarehouseError("SQL error: the query is empty (nothing but blanks or comments)")
    if count > 1:
        raise WarehouseError(f"SQL error: tracker sql runs one statement at a time; this query has {count}")


def _work(execution: Execution, text: str, fmt: str, stream: IO[str], max_rows: int) -> None:
    try:
        if execution.stopped_by:
            return
        relation = execution.con.sql(text)
        if relation is None:  # a statement without a result (none reaches here that changes anything)
            stream.write("(no result)\n")
            return
        batches = relation.to_arrow_reader(BATCH_ROWS)
        output.write_batches(relation.columns, batches, fmt, stream, escape=_is_terminal(stream),
                             max_rows=max_rows, stopped=lambda: execution.stopped_by is not None)
        stream.flush()
    except BaseException as error:  # handed to the main thread, which explains it in one line
        execution.error = error
    finally:
        execution.done.set()


def _is_terminal(stream: IO[str]) -> bool:
    return hasattr(stream, "isatty") and stream.isatty()


class _signals_stop:
    """While the query runs, SIGTERM and Ctrl-C interrupt it instead of killing the process mid-write."""

    def __init__(self, execution: Execution):
        self.execution, self.previous = execution, {}

    def __enter__(self):
        for number, name in STOP_SIGNALS.items():
            self.previous[number] = signal.signal(number, lambda signum, frame, why=name: self.execution.stop(why))
        return self

    def __exit__(self, *exc):
        for number, handler in self.previous.items():
            signal.signal(number, handler)


def _raise_for(execution: Execution) -> None:
    error = execution.error
    if execution.stopped_by:
        raise QueryStopped(f"query stopped by {execution.stopped_by}")
    if error is None:
        return
    if isinstance(error, BrokenPipeError):  # the reader went away (`| head`): not an error of the query
        _discard_stdout()
        return
    if isinstance(error, duckdb.OutOfMemoryException):
        raise WarehouseError(f"query refused: it needs more than the {MEMORY_LIMIT} tracker sql allows (it writes "
                             "no temporary files); aggregate or add a LIMIT") from None
    if isinstance(error, duckdb.Error) and _refused(error):
        raise WarehouseError(f"query refused: tracker sql only reads the warehouse ({_first_line(error)})") from None
    if isinstance(error, (duckdb.Error, OSError)):
        raise WarehouseError(f"SQL error: {_first_line(error)}") from None
    raise error


def _discard_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush finds no closed pipe either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _refused(error: BaseException) -> bool:
    text = _first_line(error)
    return isinstance(error, duckdb.PermissionException) or any(
        sign in text for sign in ("read-only", "disabled by configuration", "configuration has been locked",
                                  "disabled through configuration"))


def _first_line(error: BaseException) -> str:
    return output.escape_controls(first_line(error))
