"""Unattended runs: `tracker run` once for cron, and `tracker schedule` as a long-running service."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timezone

import time_machine
from conftest import rows, tracker
from test_staging import on_log, reader  # noqa: F401  (fixtures: another process reading the warehouse, a log hook)

from tracker import nightly
from tracker.collectors.waiting import STOP
from tracker.config import Config
from tracker.warehouse import db

UNREACHABLE = "http://127.0.0.1:9"  # the discard port: nothing listens, so every request is refused


def write_config(tmp_path, text: str) -> None:
    (tmp_path / "tracker.toml").write_text(text)


def hub_only(small_hub, **settings) -> Config:
    """Hugging Face on the stand-in; the others disabled (GitHub, when named, unreachable)."""
    config = Config()
    config.huggingface.endpoint, config.modelscope.enabled, config.github.enabled = small_hub.url, False, False
    config.github.api_url, config.github.retry_wait = UNREACHABLE, 0.01
    for key, value in settings.items():
        setattr(config, key, value)
    return config


def test_run_collects_every_enabled_source_and_a_failing_one_does_not_stop_the_others(small_hub, db_file, tmp_path):
    write_config(tmp_path, f'[modelscope]\nenabled = false\n[github]\napi_url = "{UNREACHABLE}"\nretry_wait = 0.01\n')
    result = tracker("--db", str(db_file), "run", "--format", "json", env={"HF_ENDPOINT": small_hub.url})
    summary = {line["source"]: line for line in json.loads(result.stdout)["sources"]}
    assert result.returncode == 1
    assert (summary["huggingface"]["status"], summary["huggingface"]["records"]) == ("succeeded", 3000)
    assert summary["github"]["status"] == "failed" and "Connection refused" in summary["github"]["note"]
    assert rows(db_file, "SELECT source, status FROM runs ORDER BY run_id") == [
        ("huggingface", "succeeded"), ("github", "failed")]
    verdicts = {v["claim"]: v for v in json.loads(result.stdout)["verdicts"]}
    assert json.loads(result.stdout)["stale_sources"] == ["github"]
    assert verdicts["github-ai-growth"]["verdict"] == "insufficient data"
    assert all(v["before"] == "(first check)" and v["changed"] for v in verdicts.values())


def test_a_second_run_reports_which_verdicts_changed_since_the_last_check(small_hub, db_file, tmp_path):
    write_config(tmp_path, "[modelscope]\nenabled = false\n[github]\nenabled = false\n")
    tracker("--db", str(db_file), "run", env={"HF_ENDPOINT": small_hub.url}, check=True)
    again = json.loads(tracker("--db", str(db_file), "run", "--format", "json",
                               env={"HF_ENDPOINT": small_hub.url}, check=True).stdout)
    assert again["verdicts"] and not any(v["changed"] for v in again["verdicts"])
    assert rows(db_file, "SELECT count(DISTINCT check_id) FROM claim_verdicts") == [(2,)]


def test_run_exits_0_when_every_source_ran(small_hub, db_file, tmp_path):
    write_config(tmp_path, "[modelscope]\nenabled = false\n[github]\nenabled = false\n")
    result = tracker("--db", str(db_file), "run", env={"HF_ENDPOINT": small_hub.url})
    assert result.returncode == 0
    assert result.stdout.split()[:5] == ["source", "status", "pages", "records", "seconds"]


def test_the_summary_shows_each_failed_sources_error_whole_on_its_own_line(small_hub, db_file, tmp_path):
    write_config(tmp_path, f'[modelscope]\nenabled = false\n[github]\napi_url = "{UNREACHABLE}"\nretry_wait = 0.01\n')
    result = tracker("--db", str(db_file), "run", env={"HF_ENDPOINT": small_hub.url})
    [(error,)] = rows(db_file, "SELECT error FROM runs WHERE source = 'github'")
    assert result.returncode == 1 and len(error) > 80  # longer than any table column shows
    assert f"github: {error}\n" in result.stdout


def test_a_silent_hub_fails_the_run_within_its_configured_timeout_and_retries(db_file, tmp_path):
    """A server that accepts the connection and never answers: the run fails, naming the timeout."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        write_config(tmp_path, "[huggingface]\ntimeout = 0.2\nretry_wait = 0.01\n")
        result = tracker("--db", str(db_file), "collect", "huggingface",
                         env={"HF_ENDPOINT": f"http://127.0.0.1:{silent.getsockname()[1]}"}, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert rows(db_file, "SELECT status FROM runs") == [("failed",)]
    assert "timed out" in rows(db_file, "SELECT error FROM runs")[0][0].lower()


def test_by_default_a_silent_hub_fails_within_two_minutes():
    """The stated bound, from the defaults: every attempt waits `timeout`, the waits between them double to 8 s."""
    from tracker.collectors import huggingface

    settings = Config().huggingface
    waits = sum(min(settings.retry_wait * 2 ** n, 8) for n in range(huggingface.RETRIES))
    assert settings.timeout * (huggingface.RETRIES + 1) + waits <= 120


def test_schedule_runs_the_jobs_survives_a_failing_source_and_stops_cleanly_on_sigterm(small_hub, db_file, tmp_path):
    write_config(tmp_path, (
        'report_schedule = "*/2 * * * * *"\n'
        '[huggingface]\nschedule = "*/2 * * * * *"\n[modelscope]\nenabled = false\n'
        f'[github]\nschedule = "*/2 * * * * *"\napi_url = "{UNREACHABLE}"\nretry_wait = 0.01\n'))
    service = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db_file), "schedule"],
                               env={**os.environ, "HF_ENDPOINT": small_hub.url}, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120  # a guard against hanging: on a busy machine a report job takes a while
    while len(small_hub.requests_to("/api/models")) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)  # at least two collections of three pages
    time.sleep(0.5)
    service.send_signal(signal.SIGTERM)
    assert service.wait(timeout=120) == 0  # a guard against hanging, not a speed requirement
    log = service.stderr.read()
    statuses = rows(db_file, "SELECT source, status FROM runs ORDER BY run_id")
    assert ("huggingface", "succeeded") in statuses and ("github", "failed") in statuses
    assert sum(1 for s in statuses if s == ("huggingface", "succeeded")) >= 2
    assert "received SIGTERM" in log and "Traceback" not in log
    assert ("huggingface", "running") not in statuses and ("github", "running") not in statuses


EARLY_SIGTERM = """
import os, signal, sys
from tracker import schedule
from tracker.config import Config
from tracker.pipeline import request_stop
signal.signal(signal.SIGTERM, request_stop)  # what `tracker` does first, before it reads its configuration
os.kill(os.getpid(), signal.SIGTERM)         # so a SIGTERM now is taken by that handler, before the service's own
sys.exit(schedule.serve(Config(), print))
"""


def test_a_sigterm_arriving_before_the_service_installs_its_handler_still_stops_it(tmp_path):
    service = subprocess.run([sys.executable, "-c", EARLY_SIGTERM], cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)  # a guard against hanging: before the fix it waited forever
    assert service.returncode == 0 and "received SIGTERM" in service.stderr and service.stdout == ""


def test_once_a_stop_is_asked_for_no_job_starts_though_the_scheduler_still_runs_those_queued(small_hub, db_file,
                                                                                             tmp_path):
    config = hub_only(small_hub, report_dir=str(tmp_path / "report"))
    day, now = date(2026, 11, 1), datetime(2026, 11, 1, tzinfo=timezone.utc)
    STOP.set()  # what the service's SIGTERM handler does; scheduler.shutdown(wait=True) then runs the queue
    try:
        for job_id in ("huggingface", "checks-and-report"):
            nightly.run_job(job_id, config, db_file, day=day, now=now)
    finally:
        STOP.clear()
    assert small_hub.requests_to("/api/models") == [] and not db_file.exists() and not (tmp_path / "report").exists()


def test_schedule_once_now_runs_each_job_once_and_exits(small_hub, db_file, tmp_path):
    write_config(tmp_path, "[modelscope]\nenabled = false\n[github]\nenabled = false\n")
    result = tracker("--db", str(db_file), "schedule", "--once-now", env={"HF_ENDPOINT": small_hub.url}, timeout=60)
    assert result.returncode == 0
    assert rows(db_file, "SELECT source, status FROM runs") == [("huggingface", "succeeded")]


def test_a_bad_cron_expression_is_a_one_line_error_naming_the_key(tmp_path):
    write_config(tmp_path, '[huggingface]\nschedule = "every night"\n')
    result = tracker("schedule", "--once-now")
    assert result.returncode == 2
    assert "huggingface.schedule" in result.stderr and result.stderr.count("\n") == 1


def test_a_runs_collection_checks_and_report_use_its_day_and_time_not_the_clock(small_hub, db_file, tmp_path):
    """The entry point reads the clock once; below it, a clock set years away changes nothing."""
    config = Config()
    config.huggingface.endpoint, config.modelscope.enabled, config.github.enabled = small_hub.url, False, False
    config.report_dir = str(tmp_path / "report")
    day, now = date(2026, 11, 1), datetime(2026, 11, 1, 6, 30, tzinfo=timezone.utc)
    with time_machine.travel(datetime(2031, 6, 1, tzinfo=timezone.utc), tick=False):
        report = nightly.collect_sources(config, db_file, ["huggingface"], day=day)
        nightly.check_and_report(config, db_file, report, day=day, now=now)

    assert report.ok and report.stale_sources == [] and report.check_error is None
    assert rows(db_file, "SELECT DISTINCT snapshot_date FROM model_snapshots") == [(day,)]
    assert rows(db_file, "SELECT DISTINCT checked_at FROM claim_verdicts") == [(now.replace(tzinfo=None),)]
    assert "Generated 2026-11-01 06:30 UTC" in report.report_path.read_text(encoding="utf-8")


def test_a_reader_holding_the_warehouse_when_the_night_begins_delays_it_and_loses_nothing(small_hub, db_file,
                                                                                          reader, on_log):
    db.connect(db_file).close()
    reader.open()
    waited = on_log("is open in another process", then=reader.close)  # the reader lets go once the run waits
    config = hub_only(small_hub, merge_wait=120)  # a guard against hanging: the reader lets go at once
    report = nightly.collect_sources(config, db_file, ["huggingface"], day=date(2026, 11, 1))
    assert waited.seen.is_set()
    assert report.ok and [(s.status, s.records) for s in report.collections] == [("succeeded", 3000)]


def test_a_reader_holding_the_warehouse_past_merge_wait_fails_each_source_in_one_line_and_stops_none(
        small_hub, db_file, reader):
    db.connect(db_file).close()
    reader.open()
    config = hub_only(small_hub, merge_wait=0.2, report_dir=str(db_file.parent / "report"))
    day = date(2026, 11, 1)
    report = nightly.collect_sources(config, db_file, ["huggingface", "github"], day=day)
    nightly.check_and_report(config, db_file, report, day=day, now=datetime(2026, 11, 1, 6, tzinfo=timezone.utc))
    held = f"warehouse {db_file} stayed in use by another process for 0.2s (merge_wait)"
    assert [(s.source, s.status, s.error) for s in report.collections] == [
        ("huggingface", "failed", held), ("github", "failed", held)]
    assert report.failed_sources == ["huggingface", "github"] and report.check_error == held
    reader.close()
    assert rows(db_file, "SELECT count(*) FROM runs") == [(0,)]


def test_a_stop_while_waiting_for_a_reader_fails_that_source_in_one_line_and_starts_nothing_after_it(
        small_hub, db_file, reader, on_log):
    db.connect(db_file).close()
    reader.open()
    on_log("is open in another process", then=STOP.set)  # what the entry point's SIGTERM handler does
    config = hub_only(small_hub, merge_wait=120)  # a guard against hanging: the stop ends the wait
    day = date(2026, 11, 1)
    try:
        report = nightly.collect_sources(config, db_file, ["huggingface", "github"], day=day)
        nightly.check_and_report(config, db_file, report, day=day, now=datetime(2026, 11, 1, 6, tzinfo=timezone.utc))
    finally:
        STOP.clear()
    assert [(s.source, s.status, s.error) for s in report.collections] == [
        ("huggingface", "failed", "stopped by a signal while waiting for the warehouse"),
        ("github", "failed", "not started: stopping")]
    assert report.failed_sources == ["huggingface", "github"] and report.check_error == "not started: stopping"
