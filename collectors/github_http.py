"""GitHub's HTTP: the REST API's requests, limits and answers, under bounded time, bounded waits, one origin.

GitHub's alone, not a policy shared by every source: the collector sends GitHub's requests itself (requests),
while Hugging Face's and ModelScope's go through their own SDKs' clients (huggingface_hub's httpx session,
modelscope_hub's OpenAPIClient), with other errors, other rate-limit headers and their own retry loops.
What the three do share lives where all of them use it: `collectors.waiting` (bounded, stoppable waits and
the whole-answer deadline) and `collectors.records` (`first_line`, `same_origin`).

Every wait (Retry-After, a rate-limit reset, backoff) goes through `collectors.waiting.pause`, so it has a
ceiling and ends at once on SIGTERM/Ctrl-C; every request has an overall deadline, checked for each chunk of
its body, so a body that trickles in cannot hold a run; every URL asked for, redirects included, must be on the
configured API's scheme, host and port, so a token never leaves for another host.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, unquote_plus, urljoin, urlsplit

import requests

from tracker.collectors.records import CollectorError, as_int, excerpt, first_line, same_origin
from tracker.collectors.waiting import MAX_WAIT_SECONDS, Deadline, StopRequested, check_stop, pause

SOURCE = "github"
GITHUB_API = "https://api.github.com"
API_VERSION = "2022-11-28"
PAGE_SIZE = 100                     # the search API's largest page
SEARCH_CAP = 1000                   # a search serves only its first 1,000 results, whatever its total_count
USER_AGENT = "ai-ecosystem-tracker/0.1"
CONNECT_SECONDS = 10.0              # to open a connection
READ_SECONDS = 30.0                 # between two reads of one answer
DEADLINE_SECONDS = 60.0             # for one whole answer, headers and body, however slowly it comes
RETRIES = 5                         # further attempts after a 5xx or a dropped connection
SLOW_RETRIES = 1                    # further attempts after a timeout: a silent host fails in about a minute
MAX_BACKOFF_SECONDS = 8.0           # the wait doubles from `retry_wait` up to this
RETRY_STATUSES = frozenset({500, 502, 503, 504})
LIMIT_STATUSES = frozenset({403, 429})
REDIRECT_STATUSES = frozenset({301, 302, 307, 308})
MAX_REDIRECTS = 3
RESET_MARGIN_SECONDS = 1.0          # resets are whole seconds on the server's clock, which may run ahead of ours
SECONDARY_WAIT_SECONDS = 60.0       # GitHub: a limit answer naming no time means "wait at least a minute"
MAX_LIMIT_WAITS = 8                 # consecutive rate-limit answers to one request before giving up
CHUNK_BYTES = 64 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024   # a search page is about 0.5 MB; anything near this is not an API answer
DISPLAY_CHARS = 300                 # enough for a search query with five topics and its page number

log = logging.getLogger("tracker")


class HttpError(Exception):
    """A request failed for good; the message names the request and what went wrong."""


class TooSlow(Exception):
    """An answer did not arrive whole within its deadline (retried like a timeout)."""


def new_session(headers: dict[str, str] | None = None) -> requests.Session:
    """A session with the tracker's User-Agent plus `headers` (e.g. Accept, Authorization)."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, **(headers or {})})
    return session


@dataclass
class Answer:
    """One whole HTTP answer, its body read within the request's deadline."""

    status_code: int
    headers: requests.structures.CaseInsensitiveDict
    url: str
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class Client:
    """GETs through one session on one origin; retries what may pass, waits out rate limits, and says so."""

    name: str                                        # the source, as log lines name it
    session: requests.Session
    origin: str                                      # the configured API URL: every request must be on it
    retry_wait: float = 1.0
    max_wait: float = MAX_WAIT_SECONDS               # the longest single wait before the run fails instead
    read_timeout: float = READ_SECONDS
    deadline: float = DEADLINE_SECONDS
    clock: Callable[[], float] = time.time           # epoch seconds, to read X-RateLimit-Reset against
    waited: float = 0.0                              # seconds spent waiting out rate limits
    resets: dict[str, float] = field(default_factory=dict)  # exhausted resource -> epoch second it refills

    def get(self, url: str, params=None, resource: str = "core", ok: tuple[int, ...] = (200,)) -> Answer:
        """An answer whose status is in `ok`; anything else that cannot be retried raises HttpError."""
        failures = slow = limits = 0
        while True:
            check_stop(f"{self.name}: {describe(url, params)}")
            self._wait_for(resource)
            try:
                answer = self._fetch(url, params)
            except (requests.Timeout, TooSlow) as error:
                slow = self._back_off(slow, SLOW_RETRIES, describe(url, params), first_line(error))
                continue
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
                failures = self._back_off(failures, RETRIES, describe(url, params), first_line(error))
                continue
            self._note_budget(answer, resource)
            wait = limit_wait(answer, self.clock(), limits)
            if wait is not None and limits < MAX_LIMIT_WAITS:
                limits += 1
                self._pause(wait, f"{_resource(answer, resource)} rate limit answered {answer.status_code}",
                            logging.WARNING)
            elif answer.status_code in RETRY_STATUSES:
                failures = self._back_off(failures, RETRIES, describe(answer.url), f"HTTP {answer.status_code}")
            elif answer.status_code in ok:
                return answer
            else:
                raise HttpError(f"{describe(answer.url)}: HTTP {answer.status_code} {message_of(answer)}")

    def _fetch(self, url: str, params) -> Answer:
        """One answer, following redirects only within the origin, all within one deadline."""
        deadline = Deadline(self.deadline, "the answer", f"{self.name}.request_deadline")
        for _ in range(MAX_REDIRECTS + 1):
            self.check_origin(url)
            with self.session.get(url, params=params, timeout=(CONNECT_SECONDS, self.read_timeout),
                                  stream=True, allow_redirects=False) as response:
                if response.status_code in REDIRECT_STATUSES and response.headers.get("Location"):
                    url, params = urljoin(response.url, response.headers["Location"]), None
                    continue
                return Answer(response.status_code, response.headers, response.url, _body(response, deadline))
        raise HttpError(f"{describe(url)}: more than {MAX_REDIRECTS} redirects")

    def check_origin(self, url: str) -> None:
        if not same_origin(url, self.origin):
            raise HttpError(f"{self.name}: refusing {url!r}: not on the configured API {self.origin!r} "
                            "(scheme, host and port must match)")

    def _wait_for(self, resource: str) -> None:
        """Sleep until an exhausted budget refills, rather than spend a request on a refusal."""
        reset = self.resets.pop(resource, None)
        if reset is not None and reset > self.clock():
            self._pause(reset - self.clock() + RESET_MARGIN_SECONDS, f"{resource} rate limit reached", logging.INFO)

    def _note_budget(self, answer: Answer, resource: str) -> None:
        remaining = _number(answer.headers.get("X-RateLimit-Remaining"))
        reset = _number(answer.headers.get("X-RateLimit-Reset"))
        if remaining == 0 and reset is not None:
            self.resets[_resource(answer, resource)] = reset

    def _back_off(self, failures: int, allowed: int, request: str, problem: str) -> int:
        if failures >= allowed:
            raise HttpError(f"{request}: {problem} (gave up after {allowed} {'retry' if allowed == 1 else 'retries'})")
        wait = min(self.retry_wait * 2 ** failures, MAX_BACKOFF_SECONDS)
        log.warning("%s: %s: %s, retrying in %.1f s", self.name, request, problem, wait)
        pause(wait, f"{self.name}: backoff after {problem}", self.max_wait, f"{self.name}.max_wait")
        return failures + 1

    def _pause(self, seconds: float, why: str, level: int) -> None:
        log.log(level, "%s: %s, waiting %s s", self.name, why, _seconds(seconds))
        pause(seconds, f"{self.name}: {why}", self.max_wait, f"{self.name}.max_wait")
        self.waited += seconds


def _body(response: requests.Response, deadline: Deadline) -> bytes:
    """The body, chunk by chunk as it arrives, the deadline checked before each read."""
    chunks, size = [], 0
    while True:
        try:
            deadline.check()
        except StopRequested:
            raise
        except CollectorError as error:
            raise TooSlow(str(error)) from None
        chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HttpError(f"{describe(response.url)}: an answer over {MAX_BODY_BYTES // 2**20} MB")
        chunks.append(chunk)


def limit_wait(answer: Answer, now: float, earlier: int = 0) -> float | None:
    """Seconds to wait when `answer` is a rate-limit refusal (403/429), else None."""
    if answer.status_code not in LIMIT_STATUSES:
        return None
    retry_after = _number(answer.headers.get("Retry-After"))
    if retry_after is not None:
        return max(retry_after, 0.0)
    reset = _number(answer.headers.get("X-RateLimit-Reset"))
    if _number(answer.headers.get("X-RateLimit-Remaining")) == 0 and reset is not None:
        return max(reset - now, 0.0) + RESET_MARGIN_SECONDS
    if answer.status_code == 429 or "rate limit" in answer.text.lower():
        return SECONDARY_WAIT_SECONDS * 2 ** earlier  # secondary limit: back off exponentially
    return None  # a plain 403: forbidden, not limited


def describe(url: str, params=None) -> str:
    """`GET /path?query` of a request, readable and short enough for a log line or an error."""
    prepared = requests.Request("GET", url, params=params).prepare().url if params else url
    parts = urlsplit(prepared)
    text = unquote_plus(parts.path + (f"?{parts.query}" if parts.query else ""))
    return "GET " + (text if len(text) <= DISPLAY_CHARS else text[: DISPLAY_CHARS - 3] + "...")


def _resource(answer: Answer, asked: str) -> str:
    return answer.headers.get("X-RateLimit-Resource") or asked


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None  # e.g. an HTTP-date Retry-After: the other signals decide
    return number if number is None or number == number else None  # NaN tells nothing


def _seconds(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


# --- GitHub's requests, as the collector asks them -------------------------------------------------

def connect(api_url: str, token: str | None, **policy) -> Client:
    """A client on `api_url` sending GitHub's media type and API version, and the token when there is one."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Client(SOURCE, new_session(headers), api_url, **policy)


def search(client: Client, query: str, page: int, per_page: int) -> dict:
    return search_body(get(client, search_url(client), search_params(query, page, per_page), "search"))


def search_url(client: Client) -> str:
    return f"{client.origin.rstrip('/')}/search/repositories"


def search_params(query: str, page: int, per_page: int) -> dict:
    return {"q": query, "sort": "stars", "order": "desc", "per_page": per_page, "page": page}


def search_body(answer: Answer) -> dict:
    body = json_of(answer)
    if not isinstance(body, dict) or as_int(body.get("total_count")) is None or not isinstance(body.get("items"), list):
        raise CollectorError(f"GitHub {describe(answer.url)}: not a search answer: {excerpt(body)}")
    return body


def rate_limit(client: Client) -> Answer:
    return get(client, f"{client.origin.rstrip('/')}/rate_limit", None, "core", ok=(200, 401))


def get_user(client: Client, login: str) -> Answer:
    return get(client, f"{client.origin.rstrip('/')}/users/{quote(login)}", None, "core", ok=(200, 404))


def get(client: Client, url: str, params, resource: str, ok: tuple[int, ...] = (200,)) -> Answer:
    try:
        return client.get(url, params, resource, ok)
    except HttpError as error:
        raise CollectorError(f"GitHub {error}") from error


def json_of(answer: Answer) -> Any:
    try:
        return answer.json()
    except ValueError as error:
        raise CollectorError(f"GitHub {describe(answer.url)}: the answer is not valid JSON ({error})") from None


def message_of(answer: Answer) -> str:
    """What an error answer says, in one line: its JSON `message`, or the first line of a body that is not JSON."""
    try:
        body = answer.json()
    except ValueError:
        return first_line(answer.text[:DISPLAY_CHARS]) if answer.text.strip() else ""
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    return first_line(message[:DISPLAY_CHARS]) if message.strip() else ""
