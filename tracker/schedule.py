"""`tracker schedule`: the nightly jobs on APScheduler cron triggers, one at a time, stopping gracefully."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone
from typing import Callable

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from tracker import sources
from tracker.config import Config, ConfigError
from tracker.collectors.waiting import STOP, stop_from_signal_handler

log = logging.getLogger("tracker")
# A job that could not start on time (the machine slept) still runs if it is at most this late;
# several missed runs of one job run once (coalesce).
MISFIRE_GRACE_SECONDS = 6 * 3600
CRON_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")


def cron(expression: str, where: str) -> CronTrigger:
    """A UTC cron trigger from 5 fields (minute hour day month weekday), or 6 with seconds first."""
    parts = expression.split()
    try:
        if len(parts) == 5:
            return CronTrigger.from_crontab(expression, timezone=timezone.utc)
        if len(parts) == 6:
            return CronTrigger(**dict(zip(CRON_FIELDS, parts)), timezone=timezone.utc)
    except ValueError as error:
        raise ConfigError(f"'{where}' is not a valid cron expression ({error})") from None
    raise ConfigError(f"'{where}' must have 5 cron fields (or 6 with seconds first), got {expression!r}")


def jobs(config: Config) -> list[tuple[str, str, str]]:
    """(job id, cron expression, config key) for each enabled source and for the checks and report."""
    listed = [(name, config.source(name).schedule, f"{name}.schedule") for name in sources.enabled(config)]
    return listed + [("checks-and-report", config.report_schedule, "report_schedule")]


def serve(config: Config, run_job: Callable[[str], None], once_now: bool = False) -> int:
    """Run the jobs on their triggers until SIGTERM/SIGINT (or, with once_now, each once, now)."""
    scheduler = _scheduler()
    pending = _add_jobs(scheduler, config, run_job, once_now)
    finished = threading.Semaphore(0)
    scheduler.add_listener(lambda event: finished.release(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    _on_signals()
    scheduler.start()
    log.info("schedule: %s", "; ".join(f"{job.id} next at {job.next_run_time:%Y-%m-%d %H:%M:%S %Z}"
                                       for job in scheduler.get_jobs()))
    if once_now:
        for _ in range(pending):
            while not finished.acquire(timeout=0.2) and not STOP.is_set():
                pass
    else:
        STOP.wait()  # STOP, not an event of its own: a signal the entry point's handler took before is not lost
    log.info("schedule: stopping; the job in flight finishes its page and commits")
    scheduler.shutdown(wait=True)
    return 0


def _scheduler() -> BackgroundScheduler:
    # One worker: jobs write the same warehouse, and DuckDB takes one writer at a time.
    return BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=1)}, timezone=timezone.utc,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )


def _add_jobs(scheduler: BackgroundScheduler, config: Config, run_job: Callable[[str], None], once_now: bool) -> int:
    listed, now = jobs(config), datetime.now(timezone.utc)
    for job_id, expression, key in listed:
        trigger = cron(expression, key)  # validated even when run once, so a bad entry shows at once
        scheduler.add_job(run_job, DateTrigger(now) if once_now else trigger, args=[job_id], id=job_id, name=job_id)
    return len(listed)


def _on_signals() -> None:
    def handle(signum, frame) -> None:
        log.info("schedule: received %s", signal.Signals(signum).name)
        stop_from_signal_handler()  # the service stops; a collection under way stops after its page, and wakes from any wait

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
