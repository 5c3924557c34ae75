"""Hugging Face Hub: the model catalogue page by page, as flat model and lineage records."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import httpx2
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status, parse_ratelimit_headers
from tracker.collectors.huggingface_records import HUB, check_page
from tracker.collectors.paging import read_ahead
from tracker.collectors.records import (Check, CollectorError, Page, as_int, as_text, first_line, public_url,
                                        same_origin)
from tracker.collectors.waiting import MAX_WAIT_SECONDS, Deadline, pause

PAGE_SIZE = 1000
TIMEOUT_SECONDS = 30      # connect and each read
DEADLINE_SECONDS = 120    # one whole answer, however slowly its bytes come
RETRIES = 4               # with the backoff below, a silent hub fails within about two minutes per page
MAX_BACKOFF_SECONDS = 8.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_ERRORS = (httpx2.TimeoutException, httpx2.NetworkError, httpx2.RemoteProtocolError)
# `expand` names exactly the fields the warehouse keeps, so pages stay small. Only the listing's own
# expand values (list_models' documentation): baseModels is served by /api/models/{repo_id} alone, and
# the listing answers 400 to it; lineage comes from the base_model tags and the card instead.
EXPAND = [
    "author", "cardData", "createdAt", "downloads", "downloadsAllTime", "gated",
    "lastModified", "library_name", "likes", "pipeline_tag", "private", "tags",
]
RESET_MARGIN_SECONDS = 0.5  # the reset is stated in whole seconds
PAGES_SLACK = 1.1         # a listing may grow during the run, but not by a tenth more pages than its total


@dataclass
class Settings:
    endpoint: str | None = None  # None: the public Hub (or HF_ENDPOINT)
    token: str | None = None
    author: str | None = None
    search: str | None = None
    filter: tuple[str, ...] = ()
    page_size: int = PAGE_SIZE
    retry_wait: float = 1.0  # first backoff wait; doubles up to 8 s
    timeout: float = TIMEOUT_SECONDS  # connect and each read; a slower answer is retried like a dropped one
    deadline: float = DEADLINE_SECONDS
    max_wait: float = MAX_WAIT_SECONDS  # the longest Retry-After or rate-limit reset waited out
    max_pages: int = 20_000  # when the hub states no total: 20 million models

    def scope(self) -> dict:
        """What the listing covers: recorded with the run, never the token."""
        return {"endpoint": public_url(self.api().endpoint), "author": self.author, "search": self.search,
                "filter": list(self.filter)}

    def narrowed(self) -> bool:
        return bool(self.author or self.search or self.filter)

    def api(self) -> HfApi:
        return HfApi(endpoint=self.endpoint, token=self.token)


def fetch_model_pages(settings: Settings, resume_from: str | None = None) -> Iterator[Page]:
    """Every page of the model listing, from the start or from a saved cursor (a next-page URL).

    The next page is downloaded while this one is parsed and stored: the Link header names it
    before the body is read, so the listing goes at the network's pace, not the network's plus ours.
    Each page is checked as it arrives and staged as the bytes it came as; the merge reads them all.
    """
    with contextlib.closing(read_ahead(_responses(settings, resume_from))) as responses:
        for number, _, response, next_url in responses:
            page = check_page(response.content, number)
            yield Page({page.kind: [page.body]}, next_url, _total(response), page.models)


def _responses(settings: Settings, resume_from: str | None) -> Iterator[tuple]:
    """(page number, URL, answer, next page's URL) for each page, following the Link headers.

    Only URLs on the configured endpoint are followed or resumed from: the token goes with every
    request, so a Link (or a saved cursor) naming another host must never be asked.
    """
    api = settings.api()
    headers = build_hf_headers(token=api.token)
    url, params = resume_from or f"{api.endpoint}/api/models", None if resume_from else _params(settings)
    if resume_from:
        _check_next(resume_from, api.endpoint, set(), 1, settings.max_pages)
    seen: set[str] = {url}
    number, limit = 0, settings.max_pages
    budget_wait = 0.0
    while url:
        number += 1
        if budget_wait:
            pause(budget_wait, f"Hugging Face page {number}: the rate-limit budget is spent until its reset",
                  settings.max_wait, "huggingface.max_wait")
        response = _get(url, params, headers, settings, number)
        budget_wait = _budget_wait(response)
        limit = _page_limit(response, settings) or limit
        next_url = response.links.get("next", {}).get("url")
        if next_url:  # before the page is handed on: its cursor is saved with it
            _check_next(next_url, api.endpoint, seen, number + 1, limit)
        yield number, url, response, next_url
        url, params = next_url, None


def _check_next(url: str, endpoint: str, seen: set[str], number: int, limit: int) -> None:
    """A page URL is asked only if it is on the configured endpoint, new to this run, and within reason."""
    if not same_origin(url, endpoint):
        raise CollectorError(f"Hugging Face page {number}: refusing to follow {_display(url)}: "
                             f"not on the configured endpoint {endpoint}")
    if url in seen:
        raise CollectorError(f"Hugging Face page {number}: the listing pointed back to a page it already "
                             f"served ({_display(url)}); a listing that loops would never end")
    if number > limit:
        raise CollectorError(f"Hugging Face page {number}: more pages than the catalogue can hold ({limit})")
    seen.add(url)


def _page_limit(response, settings: Settings) -> int | None:
    total = _total(response)
    return int(total / settings.page_size * PAGES_SLACK) + 2 if total is not None else None


def _total(response) -> int | None:
    """The catalogue's size as the listing states it (X-Total-Count), where it does."""
    return as_int(response.headers.get("X-Total-Count"))


def _params(settings: Settings) -> list[tuple[str, Any]]:
    params: list[tuple[str, Any]] = [("limit", settings.page_size)]
    params += [(key, value) for key, value in (("author", settings.author), ("search", settings.search)) if value]
    params += [("filter", tag) for tag in settings.filter]
    return params + [("expand", field) for field in EXPAND]


def _get(url: str, params, headers: dict, settings: Settings, number: int) -> httpx2.Response:
    """One page, retried on 429/5xx and dropped connections, every wait bounded and stoppable."""
    where = f"Hugging Face page {number} ({_display(url)})"
    wait = settings.retry_wait
    for attempt in range(RETRIES + 1):
        try:
            response = _download(url, params, headers, settings, where)
        except RETRY_ERRORS as error:
            problem, response = first_line(error), None
        except (httpx2.HTTPError, OSError) as error:
            raise CollectorError(f"{where}: {first_line(error)}") from error
        else:
            if response.status_code not in RETRY_STATUSES:
                break
            problem = f"HTTP {response.status_code}"
        if attempt == RETRIES:
            raise CollectorError(f"{where}: {problem} (gave up after {RETRIES} retries)")
        limited = _rate_limit_wait(response) if response is not None else None
        pause(limited if limited is not None else wait, f"{where}: {problem}", settings.max_wait, "huggingface.max_wait")
        wait = min(wait * 2, MAX_BACKOFF_SECONDS)
    if response.status_code >= 400:
        raise CollectorError(f"{where}: {_http_problem(response)}")
    return response


def _download(url: str, params, headers: dict, settings: Settings, where: str) -> httpx2.Response:
    """The whole answer, read chunk by chunk under an overall deadline (a trickling body cannot hold a run)."""
    deadline = Deadline(settings.deadline, where, "huggingface.deadline")
    with get_session().stream("GET", url, params=params, headers=headers, timeout=settings.timeout,
                              follow_redirects=False) as streamed:
        if streamed.is_redirect:  # a page moved elsewhere is never followed: it could be any host
            raise CollectorError(f"{where}: refusing to follow a redirect to "
                                 f"{_display(streamed.headers.get('Location', '?'))}")
        body = bytearray()
        for chunk in streamed.iter_bytes():
            deadline.check()
            body += chunk
        deadline.check()
        # A complete response, so that the client's own helpers (links, JSON, its error wording) read it.
        return httpx2.Response(streamed.status_code, headers=streamed.headers, content=bytes(body),
                               request=streamed.request)


def _budget_wait(response: httpx2.Response) -> float:
    """Seconds to wait before the next request: until the reset once the hub says none are left.

    Asking only when the budget allows, a listing never meets a 429 and goes at the policy's pace."""
    info = parse_ratelimit_headers(response.headers)
    return info.reset_in_seconds + RESET_MARGIN_SECONDS if info is not None and info.remaining == 0 else 0.0


def _rate_limit_wait(response: httpx2.Response) -> float | None:
    """Seconds the hub asks us to wait: its RateLimit reset when the budget is spent, else Retry-After."""
    if response.status_code == 429:
        info = parse_ratelimit_headers(response.headers)
        if info is not None and info.remaining == 0:
            return float(info.reset_in_seconds) + 1  # whole seconds on the hub's clock
    retry_after = response.headers.get("Retry-After", "")
    return float(retry_after) if retry_after.strip().isdigit() else None


def _http_problem(response) -> str:
    """The client's own wording of an HTTP error (it names the refused parameter), else the status and body."""
    try:
        hf_raise_for_status(response)
    except Exception as error:  # the client's parser can itself trip on an odd error body
        if isinstance(error, HfHubHTTPError):
            return f"HTTP {response.status_code}: " + " ".join(str(error).split())[:500]
    return f"HTTP {response.status_code}: {response.text[:200]}"


def _display(url: str) -> str:
    return url if len(url) < 160 else url[:157] + "..."


# --- tracker doctor ------------------------------------------------------------------------------

def doctor_checks(settings: Settings, read_pages: Callable[[list[bytes]], dict[str, list[dict]]]) -> list[Check]:
    """A few live requests testing what the collector assumes of the Hub (docs/api-contracts.md);
    `read_pages` reads a page body as a run's merge does (warehouse/hub_pages.py)."""
    api = settings.api()
    headers = build_hf_headers(token=api.token)
    listing = f"{api.endpoint}/api/models"

    def ask(url: str, params=None) -> httpx2.Response | str:
        try:
            return _download(url, params, headers, settings, f"GET {url}")
        except (httpx2.HTTPError, OSError, CollectorError) as error:
            return first_line(error)

    page = ask(listing, _params(settings))
    if isinstance(page, str):
        return [Check(HUB, "the Hub answers the model listing", page, "every run fails until it does", False)]
    return [_expand_check(page), _page_size_check(page, settings), _refuses_base_models(ask(listing, [
        ("limit", 1), ("expand", "baseModels")])), _total_check(page), _rate_limit_check(page),
        _token_check(api.token, ask(f"{api.endpoint}/api/whoami-v2")), _lineage_check(page, read_pages)]


def _expand_check(page: httpx2.Response) -> Check:
    ok = page.status_code == 200
    return Check(HUB, f"the listing accepts expand={','.join(EXPAND)}", f"HTTP {page.status_code}",
                 "lists with these fields" if ok else f"fails at page 1: {_http_problem(page)}", ok)


def _page_size_check(page: httpx2.Response, settings: Settings) -> Check:
    items = _items(page)
    more = bool(page.links.get("next"))
    ok = page.status_code == 200 and (len(items) == settings.page_size or not more)
    return Check(HUB, f"a page holds up to {settings.page_size} models, the next named by a Link header",
                 f"{len(items)} models, {'a' if more else 'no'} next link",
                 "pages through the Link headers" if ok else "lower huggingface.page_size to the page the Hub serves", ok)


def _refuses_base_models(page: httpx2.Response | str) -> Check:
    observed = page if isinstance(page, str) else f"HTTP {page.status_code}"
    return Check(HUB, "baseModels is served by model_info only; the listing refuses it (HTTP 400)", observed,
                 "reads lineage from base_model tags and cardData, never asks the listing for baseModels", True)


def _total_check(page: httpx2.Response) -> Check:
    total = _total(page)
    return Check(HUB, "the listing states the catalogue's size in X-Total-Count (assumed)",
                 f"{total:,}" if total is not None else "absent",
                 "a run listing fewer models ends incomplete" if total is not None else
                 "a run is compared with the last complete listing only", True)


def _rate_limit_check(page: httpx2.Response) -> Check:
    policy = page.headers.get("RateLimit-Policy")
    info = parse_ratelimit_headers(page.headers)
    observed = f"policy {policy}; {info.remaining} left, reset in {info.reset_in_seconds} s" if info else "absent"
    return Check(HUB, "RateLimit / RateLimit-Policy headers give the budget and its reset", observed,
                 "waits out a spent budget (up to max_wait)" if info else "backs off on 429 and Retry-After only", True)


def _token_check(token: str | None, answer: httpx2.Response | str) -> Check:
    if not token:
        return Check(HUB, "HF_TOKEN is accepted", "not set: anonymous", "lists anonymously (the lowest rate tier)", True)
    if isinstance(answer, str) or answer.status_code != 200:
        observed = answer if isinstance(answer, str) else f"HTTP {answer.status_code}"
        return Check(HUB, "HF_TOKEN is accepted", f"refused ({observed})", "set a valid HF_TOKEN", False)
    user = as_text(answer.json().get("name")) if isinstance(answer.json(), dict) else None
    return Check(HUB, "HF_TOKEN is accepted", f"accepted ({user or 'unnamed'})", "lists with the token's rate tier", True)


def _lineage_check(page: httpx2.Response, read_pages) -> Check:
    items = _items(page)
    try:
        declared = len({edge["child_id"] for edge in read_pages([page.content])["lineage"]})
    except CollectorError as error:  # a page not as the Hub documents it, or no scratch warehouse to read it in
        return Check(HUB, "lineage shows as base_model:<relation>:<id> tags and cardData.base_model",
                     f"page 1 could not be read: {first_line(error)}", "cannot read lineage from this page", False)
    return Check(HUB, "lineage shows as base_model:<relation>:<id> tags and cardData.base_model",
                 f"{declared} of {len(items)} listed models declare a base model",
                 "reads the tags and the card of every listed model", True)


def _items(page: httpx2.Response) -> list[dict]:
    try:
        body = page.json()
    except ValueError:
        return []
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []
