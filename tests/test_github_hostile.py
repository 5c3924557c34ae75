"""A hostile or broken GitHub: endless waits, trickling and silent answers, redirects elsewhere. Real servers on
127.0.0.1 (and 127.0.0.2 for another host), the real collector; each run ends, failed and saying why."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import rows
from test_github import DAY, TOKEN, run
from tracker.collectors import waiting
from tracker.collectors.github import Settings, fetch_pages
from tracker.pipeline import CollectionFailed

from tracker.sim.github import GitHubStandIn, SimOwner, SimRepo

GUARD_SECONDS = 120  # only so that a broken build fails instead of hanging; nothing here should take long


@pytest.fixture(autouse=True)
def token_and_no_stop(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    waiting.STOP.clear()
    yield
    waiting.STOP.clear()


def small_hub(**options) -> GitHubStandIn:
    repos = [SimRepo(i, f"u{i % 5}/r{i}", datetime(2025, 2, 1) + timedelta(hours=5 * i), 200 + i, topics=("llm",))
             for i in range(350)]
    return GitHubStandIn(repos, [SimOwner(f"u{i}") for i in range(5)], search_limit=10_000, **options)


def in_thread(action):
    """Runs `action` in a thread; returns (finished event, outcome dict) so the test waits on the event."""
    finished, outcome = threading.Event(), {}

    def target():
        try:
            outcome["value"] = action()
        except BaseException as error:  # the test inspects it
            outcome["error"] = error
        finally:
            finished.set()

    threading.Thread(target=target, daemon=True).start()
    return finished, outcome


def ended(finished: threading.Event) -> bool:
    if finished.wait(GUARD_SECONDS):
        return True
    waiting.STOP.set()  # free the stuck thread before failing
    return False


@pytest.mark.parametrize("headers", [
    {"Retry-After": "999999999"},
    {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "99999999999", "X-RateLimit-Resource": "search"},
], ids=["retry-after", "rate-limit-reset"])
def test_a_wait_longer_than_max_wait_fails_the_run_at_once_naming_it(db_file, headers):
    with small_hub() as hub:
        hub.add_fault("status", path="/search/repositories", status=429 if "Retry-After" in headers else 403,
                      headers=headers, body={"message": "API rate limit exceeded for user ID 1."}, after=3)
        finished, outcome = in_thread(lambda: run(db_file, hub, first_year=2025, topics=["llm"]))
        assert ended(finished), "the collector is still waiting"
    error = outcome.get("error")
    assert isinstance(error, CollectionFailed)
    assert "search rate limit" in str(error) and "more than the 900 s allowed (github.max_wait" in str(error)
    assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", 3)]  # the pages before it are kept


def test_max_wait_is_configurable(db_file):
    with small_hub() as hub:
        hub.add_fault("status", path="/search/repositories", status=429, headers={"Retry-After": "30"})
        with pytest.raises(CollectionFailed, match=r"asked to wait 30 s, more than the 5 s allowed"):
            run(db_file, hub, first_year=2025, topics=["llm"], max_wait=5.0)


def test_a_stop_request_ends_a_long_wait_at_once_and_the_next_run_resumes(db_file):
    waiting_logged = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record):
            if "waiting 600 s" in record.getMessage():
                waiting_logged.set()

    watch = Watch()
    logging.getLogger("tracker").addHandler(watch)
    try:
        with small_hub() as hub:
            hub.add_fault("status", path="/search/repositories", status=429, headers={"Retry-After": "600"},
                          after=5)
            finished, outcome = in_thread(lambda: run(db_file, hub, first_year=2025, topics=["llm"]))
            assert waiting_logged.wait(GUARD_SECONDS)
            waiting.STOP.set()  # what the entry point's SIGTERM/Ctrl-C handler does
            assert ended(finished)
            waiting.STOP.clear()
            assert "stopped by a signal while waiting" in str(outcome.get("error"))
            assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", 5)]
            summary = run(db_file, hub, first_year=2025, topics=["llm"])
    finally:
        logging.getLogger("tracker").removeHandler(watch)
    assert summary.resumed and summary.status == "succeeded"
    assert rows(db_file, "SELECT count(*) FROM repos") == [(350,)]


# --- servers that misbehave below HTTP's level ---------------------------------------------------

class Server:
    """A loopback HTTP server whose every GET is answered by `answer(handler, server)`."""

    def __init__(self, answer, host: str = "127.0.0.1"):
        self.paths: list[str] = []
        self.done = threading.Event()  # set when the test ends: every slow answer stops at once
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.paths.append(self.path)
                try:
                    answer(self, outer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up, as it should

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def trickle(handler, server):
    """Headers at once, then one byte of the body every 50 ms: never a read timeout, never a whole answer."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.flush()
    while not server.done.wait(0.05):
        handler.wfile.write(b" ")
        handler.wfile.flush()


def silent(handler, server):
    server.done.wait()


def settings(url: str, **options) -> Settings:
    return Settings(today=DAY, api_url=url, token=TOKEN, topics=("llm",), retry_wait=0.01, **options)


def test_a_trickling_body_fails_the_request_within_its_deadline():
    with Server(trickle) as server:
        finished, outcome = in_thread(lambda: next(fetch_pages(settings(server.url, deadline=1.0, read_timeout=5))))
        assert ended(finished)
    message = str(outcome.get("error"))
    assert "GET /search/repositories?q=topic:llm created:2011-01-01..2011-12-31" in message
    assert "no complete answer within 1 s (github.request_deadline" in message and "gave up after 1 retry" in message
    assert len(server.paths) == 2  # one retry, then the run fails


def test_a_silent_server_fails_after_one_retry_of_its_read_timeout():
    with Server(silent) as server:
        finished, outcome = in_thread(lambda: next(fetch_pages(settings(server.url, read_timeout=0.3))))
        assert ended(finished)
    assert "timed out" in str(outcome.get("error")) and "gave up after 1 retry" in str(outcome.get("error"))
    assert len(server.paths) == 2


def test_a_redirect_to_another_host_is_refused_and_the_token_never_reaches_it():
    with Server(lambda handler, server: None, host="127.0.0.2") as elsewhere:
        def redirect(handler, server):
            handler.send_response(302)
            handler.send_header("Location", f"{elsewhere.url}/search/repositories?q=topic:llm")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with Server(redirect) as hub:
            with pytest.raises(Exception, match=r"refusing 'http://127\.0\.0\.2:\d+/search.*not on the configured API"):
                next(fetch_pages(settings(hub.url)))
    assert hub.paths and elsewhere.paths == []

