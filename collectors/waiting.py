"""The waits a run may make (rate limits, backoff): each one bounded, and each ended at once by a stop request."""

from __future__ import annotations

import threading
import time

from tracker.collectors.records import CollectorError

# Set by the entry point's SIGTERM/Ctrl-C handler; every wait below wakes on it at once.
STOP = threading.Event()
MAX_WAIT_SECONDS = 900.0  # default ceiling of one wait: a longer Retry-After fails the run, naming it


class StopRequested(CollectorError):
    """A stop was asked for (SIGTERM, Ctrl-C) while the collector was waiting or reading."""


def pause(seconds: float, why: str, ceiling: float = MAX_WAIT_SECONDS) -> None:
    """Sleep `seconds` for the reason `why`, unless that is over `ceiling` or a stop is asked for meanwhile."""
    if seconds > ceiling:
        raise CollectorError(f"{why}: asked to wait {seconds:.0f} s, more than the {ceiling:.0f} s allowed "
                             "(max_wait in the configuration)")
    if STOP.wait(max(seconds, 0.0)):
        raise StopRequested(f"stopped by a signal while waiting ({why})")


def check_stop(where: str) -> None:
    if STOP.is_set():
        raise StopRequested(f"stopped by a signal during {where}")


class Deadline:
    """An overall time limit for one request: headers and every chunk of the body, however slowly they come."""

    def __init__(self, seconds: float, where: str, clock=time.monotonic):
        self.seconds, self.where, self.clock = seconds, where, clock
        self.ends = clock() + seconds

    def check(self) -> None:
        check_stop(self.where)
        if self.clock() > self.ends:
            raise CollectorError(f"{self.where}: no complete answer within {self.seconds:.0f} s "
                                 "(request_deadline in the configuration)")
