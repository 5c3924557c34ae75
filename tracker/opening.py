"""Opening the warehouse for writing while other processes (a `tracker sql`, an export) may be reading it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from tracker.collectors.waiting import STOP, StopRequested
from tracker.warehouse import db

log = logging.getLogger("tracker")
OPEN_POLL = 0.5  # seconds between two tries to open a file another process holds


def connect_when_free(path: Path, wait: float) -> duckdb.DuckDBPyConnection:
    """The file opened for writing, waiting (up to `wait` seconds, the configuration's merge_wait) while
    readers hold it; raises WarehouseBusy past that, StopRequested when a stop is asked for meanwhile, and
    WarehouseError for a file that is not a usable warehouse."""
    deadline, waited = time.monotonic() + wait, False
    while True:
        try:
            return db.connect(path)
        except db.WarehouseBusy:
            if not waited:
                log.info("warehouse %s is open in another process: waiting for it (at most %gs, merge_wait)",
                         path, wait)
                waited = True
            if time.monotonic() >= deadline:
                raise db.WarehouseBusy(f"warehouse {path} stayed in use by another process for {wait:g}s "
                                        "(merge_wait)") from None
        if STOP.wait(OPEN_POLL):
            raise StopRequested("stopped by a signal while waiting for the warehouse")
