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


def stop_from_signal_handler() -> None:
    """STOP.set() for a signal handler: from a thread of its own, since the handler may have interrupted
    the main thread inside STOP.wait() while it held the lock that set() takes."""
    threading.Thread(target=STOP.set, name="stop", daemon=True).start()


def pause(seconds: float, why: str, ceiling: float = MAX_WAIT_SECONDS, key: str = "max_wait") -> None:
    """Sleep `seconds` for the reason `why`, unless that is over `ceiling` (the configuration's `key`) or a
    stop is asked for meanwhile."""
    if seconds > ceiling:
        raise CollectorError(f"{why}: asked to wait {seconds:.0f} s, more than the {ceiling:.0f} s allowed "
                             f"({key} in the configuration)")
    if STOP.wait(max(seconds, 0.0)):
        raise StopRequested(f"stopped by a signal while waiting ({why})")


def check_stop(where: str) -> None:
    if STOP.is_set():
        raise StopRequested(f"stopped by a signal during {where}")


class Deadline:
    """An overall time limit for one request: headers and every chunk of the body, however slowly they come."""

    def __init__(self, seconds: float, where: str, key: str = "deadline", clock=time.monotonic):
        self.seconds, self.where, self.key, self.clock = seconds, where, key, clock
        self.ends = clock() + seconds

    def check(self) -> None:
        check_stop(self.where)
        if self.clock() > self.ends:
            raise CollectorError(f"{self.where}: no complete answer within {self.seconds:.0f} s "
                                 f"({self.key} in the configuration)")


def within_deadline(request, seconds: float, where: str, key: str = "deadline"):
    """`request()`'s result, unless it takes longer than `seconds` in all or a stop is asked for meanwhile.

    For a client that reads a whole answer itself (an SDK call): the call runs on a worker thread, and a
    stalled one is left to its own read timeout, so a trickling body cannot hold the run."""
    done, outcome = threading.Event(), {}

    def work() -> None:
        try:
            outcome["value"] = request()
        except BaseException as error:  # handed to the caller, which raises it
            outcome["error"] = error
        done.set()

    threading.Thread(target=work, name="request", daemon=True).start()
    deadline = Deadline(seconds, where, key)
    while not done.wait(0.1):
        deadline.check()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
