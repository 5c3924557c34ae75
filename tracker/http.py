"""HTTP policy for the requests-based sources: timeouts, retries with backoff, and waiting out rate limits."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import unquote_plus, urlsplit

import requests

USER_AGENT = "ai-ecosystem-tracker/0.1"
TIMEOUT_SECONDS = (10, 60)          # connect, read
RETRIES = 5                         # further attempts after a 5xx, a dropped connection or a timeout
MAX_BACKOFF_SECONDS = 8.0           # the wait doubles from `retry_wait` up to this
RETRY_STATUSES = frozenset({500, 502, 503, 504})
LIMIT_STATUSES = frozenset({403, 429})
RESET_MARGIN_SECONDS = 1.0          # resets are whole seconds on the server's clock, which may run ahead of ours
SECONDARY_WAIT_SECONDS = 60.0       # GitHub: a limit answer naming no time means "wait at least a minute"
MAX_LIMIT_WAITS = 8                 # consecutive rate-limit answers to one request before giving up
DISPLAY_CHARS = 300                 # enough for a search query with five topics and its page number

log = logging.getLogger("tracker")


class HttpError(Exception):
    """A request failed for good; the message names the request and what went wrong."""


def new_session(headers: dict[str, str] | None = None) -> requests.Session:
    """A session with the tracker's User-Agent plus `headers` (e.g. Accept, Authorization)."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, **(headers or {})})
    return session


@dataclass
class Client:
    """GETs through one session; retries what may pass, sleeps through rate limits, and says so."""

    name: str                                        # the source, as log lines name it
    session: requests.Session
    retry_wait: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    waited: float = 0.0                              # seconds spent waiting out rate limits
    resets: dict[str, float] = field(default_factory=dict)  # exhausted resource -> epoch second it refills

    def get(self, url: str, params=None, resource: str = "core", ok: tuple[int, ...] = (200,)) -> requests.Response:
        """A response whose status is in `ok`; anything else that cannot be retried raises HttpError."""
        failures = limits = 0
        while True:
            self._wait_for(resource)
            try:
                response = self.session.get(url, params=params, timeout=TIMEOUT_SECONDS)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as error:
                failures = self._back_off(failures, describe(url, params), _first_line(error))
                continue
            self._note_budget(response, resource)
            wait = limit_wait(response, self.clock(), limits)
            if wait is not None and limits < MAX_LIMIT_WAITS:
                limits += 1
                self._pause(wait, f"{_resource(response, resource)} rate limit answered {response.status_code}",
                            logging.WARNING)
            elif response.status_code in RETRY_STATUSES:
                failures = self._back_off(failures, describe(response.url), f"HTTP {response.status_code}")
            elif response.status_code in ok:
                return response
            else:
                raise HttpError(f"{describe(response.url)}: HTTP {response.status_code} {_message(response)}")

    def _wait_for(self, resource: str) -> None:
        """Sleep until an exhausted budget refills, rather than spend a request on a refusal."""
        reset = self.resets.pop(resource, None)
        if reset is not None and reset > self.clock():
            self._pause(reset - self.clock() + RESET_MARGIN_SECONDS, f"{resource} rate limit reached", logging.INFO)

    def _note_budget(self, response: requests.Response, resource: str) -> None:
        remaining = _number(response.headers.get("X-RateLimit-Remaining"))
        reset = _number(response.headers.get("X-RateLimit-Reset"))
        if remaining == 0 and reset is not None:
            self.resets[_resource(response, resource)] = reset

    def _back_off(self, failures: int, request: str, problem: str) -> int:
        if failures >= RETRIES:
            raise HttpError(f"{request}: {problem} (gave up after {RETRIES} retries)")
        wait = min(self.retry_wait * 2 ** failures, MAX_BACKOFF_SECONDS)
        log.warning("%s: %s: %s, retrying in %.1f s", self.name, request, problem, wait)
        self.sleep(wait)
        return failures + 1

    def _pause(self, seconds: float, why: str, level: int) -> None:
        log.log(level, "%s: %s, waiting %s s", self.name, why, _seconds(seconds))
        self.sleep(seconds)
        self.waited += seconds


def limit_wait(response: requests.Response, now: float, earlier: int = 0) -> float | None:
    """Seconds to wait when `response` is a rate-limit refusal (403/429), else None."""
    if response.status_code not in LIMIT_STATUSES:
        return None
    retry_after = _number(response.headers.get("Retry-After"))
    if retry_after is not None:
        return max(retry_after, 0.0)
    reset = _number(response.headers.get("X-RateLimit-Reset"))
    if _number(response.headers.get("X-RateLimit-Remaining")) == 0 and reset is not None:
        return max(reset - now, 0.0) + RESET_MARGIN_SECONDS
    if response.status_code == 429 or "rate limit" in response.text.lower():
        return SECONDARY_WAIT_SECONDS * 2 ** earlier  # secondary limit: back off exponentially
    return None  # a plain 403: forbidden, not limited


def describe(url: str, params=None) -> str:
    """`GET /path?query` of a request, readable and short enough for a log line or an error."""
    prepared = requests.Request("GET", url, params=params).prepare().url if params else url
    parts = urlsplit(prepared)
    text = unquote_plus(parts.path + (f"?{parts.query}" if parts.query else ""))
    return "GET " + (text if len(text) <= DISPLAY_CHARS else text[: DISPLAY_CHARS - 3] + "...")


def _resource(response: requests.Response, asked: str) -> str:
    return response.headers.get("X-RateLimit-Resource") or asked


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # e.g. an HTTP-date Retry-After: the other signals decide


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return _first_line(response.text[:DISPLAY_CHARS]) if response.text.strip() else ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _first_line(error) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
