"""A stalled ModelScope: each SDK call has an overall deadline, and a stop ends the wait at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timezone

from conftest import rows, tracker

from tracker.sim.modelscope import LISTING, ModelScopeStandIn
from tracker.sim.modelscope_catalogue import RealisticCatalogue

CATALOGUE = list(RealisticCatalogue(400, seed=3, start=datetime(2024, 9, 17, tzinfo=timezone.utc)))


def settings(tmp_path, deadline: float = 60) -> None:
    (tmp_path / "tracker.toml").write_text(
        f"[modelscope]\nreadme_lineage = false\nretry_wait = 0.1\ndeadline = {deadline}\n", encoding="utf-8")


def test_a_trickling_answer_fails_the_call_at_its_deadline(tmp_path, db_file):
    settings(tmp_path, deadline=1)
    with ModelScopeStandIn(CATALOGUE) as hub:
        hub.add_fault("trickle", path=LISTING, after=1, times=10, seconds=0.3)
        result = tracker("--db", str(db_file), "collect", "modelscope", env={"MODELSCOPE_ENDPOINT": hub.url})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "no complete answer within 1 s" in result.stderr
    assert rows(db_file, "SELECT status FROM runs") == [("failed",)]


def test_sigterm_during_a_trickling_answer_ends_the_run_at_once(tmp_path, db_file):
    settings(tmp_path)
    victim: list[subprocess.Popen] = []
    with ModelScopeStandIn(CATALOGUE) as hub:
        hub.add_fault("trickle", path=LISTING, after=1, seconds=20,
                      on_hit=lambda: victim[0].send_signal(signal.SIGTERM))
        victim.append(subprocess.Popen(
            [sys.executable, "-m", "tracker", "--db", str(db_file), "collect", "modelscope"],
            env={**os.environ, "MODELSCOPE_ENDPOINT": hub.url}, stderr=subprocess.PIPE, text=True))
        code = victim[0].wait(timeout=60)  # the answer itself would take 20 s a byte
    log = victim[0].stderr.read()
    assert code == 1 and "Traceback" not in log and "received SIGTERM" in log
    [(status, error)] = rows(db_file, "SELECT status, error FROM runs")
    assert status == "failed" and "stopped by a signal" in error


def test_a_redirect_to_another_host_is_refused_and_that_host_is_never_asked(tmp_path, db_file):
    settings(tmp_path)
    with ModelScopeStandIn(CATALOGUE) as hub, ModelScopeStandIn(CATALOGUE[:50]) as other:
        hub.add_fault("status", path=LISTING, after=1, status=302, body="",
                      headers={"Location": f"{other.url}{LISTING}?page_number=1&page_size=50"})
        result = tracker("--db", str(db_file), "collect", "modelscope", env={"MODELSCOPE_ENDPOINT": hub.url})
        assert other.log == []
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"refusing to follow a redirect to {other.url}" in result.stderr
    assert rows(db_file, "SELECT status FROM runs") == [("failed",)]


def test_an_error_quoting_a_lone_surrogate_is_one_line_and_recorded_in_the_run_ledger(tmp_path, db_file):
    def unnamed(body):  # the first model's id has no owner, and its name a character no UTF-8 holds
        body["data"]["models"][0] = {"id": "noslash", "name": "caf\ud800e"}
        return body
    settings(tmp_path)
    with ModelScopeStandIn(CATALOGUE) as hub:
        hub.add_fault("mutate", path=LISTING, mutate=unnamed)
        result = tracker("--db", str(db_file), "collect", "modelscope", env={"MODELSCOPE_ENDPOINT": hub.url})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [(status, error)] = rows(db_file, "SELECT status, error FROM runs")
    assert status == "failed" and error.endswith('a listed model has no \'owner/name\' id: '
                                                 '{"id": "noslash", "name": "caf\ufffde"}')
