"""ModelScope: the whole model catalogue through the modelscope SDK's OpenAPI client, as flat records.

What the service does is as ModelScope's OpenAPI description says (docs/api-contracts.md, "ModelScope"):
one listing (listModels) reaches at most 3,000 models (page_number × page_size ≤ 3000), and `search`
matches a substring of the model's name or of its author, as separate fields. So the catalogue is
reached through the author: every author contains some search string whose listing fits in one
window. The searches grow from single characters; one still over-full is, at the end of its length's
round, either settled (every model it can match has been listed already, counted client-side) or
split into its one-character-longer extensions on both sides, plus the exact author (owner=). An
owner too large for one window is split the same way by substrings of the names (owner= with
search=), plus the exact name (getModel). A listing keeps only the models that truly match it.
Whatever the service's search does, the proof is the count: the distinct models listed against the
unfiltered listing's own total_count. Short of it (beyond a small tolerance for models added or
removed meanwhile), the run lists what it can and raises CatalogueIncomplete after its last page.

Lineage comes from getModel's `readme`, the card's YAML front matter `base_model` (one id or a list):
the spec's Model has no lineage field and its tags carry none. One request per model, so readmes are
read incrementally: only for models new or changed (last_modified) since their readme was last read
(`Settings.readmes`, handed in from the warehouse), at most `readme_budget` a run, paced.

The listing and its partitions are `modelscope_listing`, the readme lineage `modelscope_readmes`, the SDK
and its retries `modelscope_transport`; here are the settings, the records, and `tracker doctor`'s checks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from modelscope_hub._openapi import OpenAPIClient
from modelscope_hub.config import HubConfig
from tracker.collectors.lineage import front_matter_parents
from tracker.collectors.modelscope_listing import LISTING_DEPTH, PAGE_SIZE, PROBE, Query, Run
from tracker.collectors.modelscope_readmes import ReadmeRead, Readmes
from tracker.collectors.modelscope_transport import HUB, call, is_http, open_client
from tracker.collectors.records import (Check, CollectorError, Page, as_bool, as_count, as_int, as_text, as_texts,
                                        as_timestamp, excerpt, public_url)

MODELS_PER_PAGE = 1000    # listed models are handed on in pages of about this many: saving one has a fixed cost

log = logging.getLogger("tracker")


@dataclass
class Settings:
    endpoint: str | None = None  # None: MODELSCOPE_ENDPOINT, else https://modelscope.cn
    token: str | None = None     # None: MODELSCOPE_API_TOKEN, else the SDK's saved login, else anonymous
    owner: str | None = None
    page_size: int = PAGE_SIZE
    readme_lineage: bool = True
    readme_budget: int = 2000    # getModel requests a run may make for readmes
    readme_pause: float = 0.5    # seconds between two of them
    readmes: Mapping[str, ReadmeRead] = field(default_factory=dict)  # model id -> its last read readme
    retries: int = 3             # of one request refused as throttled or failed by the server or network
    timeout: float = 30.0        # seconds to connect, and for each read
    deadline: float = 60.0       # seconds for one whole answer, however slowly its bytes come
    retry_wait: float = 2.0      # seconds before the first retry; doubles after each
    tolerance: float = 0.001     # share of the total that may be added or removed during a run
    max_requests: int = 100_000  # listing requests of one run; past them, the run ends incomplete

    def config(self) -> HubConfig:
        # A config of the run's own: the SDK's process-wide default keeps the first endpoint it saw.
        return HubConfig(endpoint=self.endpoint, token=self.token)

    def scope(self) -> dict:
        """What the listing covers: recorded with the run, never the token."""
        valid = self.endpoint is None or is_http(self.endpoint)
        endpoint = HubConfig(endpoint=self.endpoint, token="").endpoint if valid else self.endpoint
        return {"endpoint": public_url(endpoint), "owner": self.owner}

    def narrowed(self) -> bool:
        return bool(self.owner)


def fetch_model_pages(settings: Settings, resume_from: str | None = None) -> Iterator[Page]:
    """Every model of the catalogue in pages of about MODELS_PER_PAGE, then CatalogueIncomplete if short."""
    client = open_client(settings)
    if resume_from:
        # The partitions depend on every model seen before; a cursor cannot carry them, so it starts over.
        log.info("modelscope: a listing cannot resume mid-way; listing again from the start")
    run, readmes = Run(client, settings), Readmes(client, settings)
    catalog_total = run.total(Query()) if settings.narrowed() else None
    models, edges, reads = [], [], []
    for items in run.listing():
        for item in items:
            lineage, read = readmes.lineage(item)
            models.append(model_record(item))
            edges += lineage
            reads += [read] if read else []
        if len(models) >= MODELS_PER_PAGE:
            yield Page(_records(models, edges, reads), run.cursor(), catalog_total or run.root_total)
            models, edges, reads = [], [], []
    yield Page(_records(models, edges, reads), None, catalog_total or run.root_total)
    log.info("modelscope: %s", readmes.coverage())
    run.check_complete()


def _records(models: list, edges: list, reads: list) -> dict[str, list[dict]]:
    return {"models": models, "lineage": edges, "readme_reads": reads}


def model_record(item: dict) -> dict:
    """A model row from one `Model` object; a field of an unexpected type becomes NULL, not a crash."""
    tasks, tags = as_texts(item.get("tasks")), as_texts(item.get("tags"))
    libraries = [tag[len("library:"):] for tag in tags if tag.startswith("library:")]
    return {
        "hub": HUB, "model_id": item["id"], "author": item["id"].split("/")[0],
        "created_at": as_timestamp(item.get("created_at")),
        "last_modified": as_timestamp(item.get("last_modified")),
        "pipeline_tag": tasks[0] if tasks else None,
        "library_name": libraries[0] if libraries else None,
        "license": as_text(item.get("license")), "tags": tags,
        "gated": _gated(item.get("gated")), "private": as_bool(item.get("private")),
        # ModelScope's count runs since the model's creation; `downloads` is a 30-day column.
        "downloads": None, "downloads_all_time": as_int(item.get("downloads")), "likes": as_count(item.get("likes")),
    }


def _gated(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_text(value)


# --- tracker doctor: each assumption above, tested live with a handful of requests ---------------------------

def doctor_checks(settings: Settings) -> list[Check]:
    """The listing's assumptions as the service answers them now, one Check each."""
    if settings.endpoint is not None and not is_http(settings.endpoint):
        return [_check("the endpoint is an http(s) URL", f"{settings.endpoint!r}",
                       "fix modelscope.endpoint or MODELSCOPE_ENDPOINT", False)]
    quick = Settings(endpoint=settings.endpoint, token=settings.token, retries=1, retry_wait=settings.retry_wait)
    checks = [_anonymous(quick), _token(quick)]
    listed = _try(lambda: _list(open_client(quick), quick, page_size=PAGE_SIZE))
    if isinstance(listed, str):
        return checks + [_check("the listing answers with models and a total_count", listed,
                                "the collector cannot list ModelScope", False)]
    items, total = listed
    checks.append(_check("the listing reports its total_count", f"total_count {total}, {len(items)} models on page 1",
                         "completeness is proved against it", True))
    checks.append(_page_cap(quick))
    sample = next((item["id"] for item in reversed(items) if isinstance(item, dict) and isinstance(item.get("id"), str)
                   and item["id"].count("/") == 1), None)
    if sample is None:
        return checks + [_check("search matches name or author substrings", "no model to test it on",
                                "the search assumptions stay unchecked", total == 0)]
    return checks + _search_checks(quick, sample, total) + [_readme_check(quick, sample)]


def _check(assumption: str, observed: str, action: str, ok: bool) -> Check:
    return Check(source=HUB, assumption=assumption, observed=observed, action=action, ok=ok)


def _try(probe):
    """A probe's result, or the one-line reason it failed."""
    try:
        return probe()
    except CollectorError as error:
        return str(error)


def _list(client: OpenAPIClient, settings: Settings, **params) -> tuple[list, int]:
    data = call(lambda: client.list_models(**{"page_number": 1, "page_size": 1, **params}),
                f"doctor listing {params}", settings) or {}
    items, total = data.get("models"), as_int(data.get("total_count"))
    if not isinstance(items, list) or total is None:
        raise CollectorError(f"no model list and total_count in the reply: {excerpt(data)}")
    return items, total


def _anonymous(settings: Settings) -> Check:
    anonymous = Settings(endpoint=settings.endpoint, token="", retries=1, retry_wait=settings.retry_wait)
    result = _try(lambda: _list(open_client(anonymous), anonymous))
    served = not isinstance(result, str)
    action = ("runs work without a token" if served else
              "runs need a token: set MODELSCOPE_API_TOKEN" + ("" if settings.token else " (it is not set)"))
    return _check("anonymous requests are served", "served" if served else result, action,
                  served or bool(settings.token))


def _token(settings: Settings) -> Check:
    if not settings.token:
        return _check("the token is accepted", "no token set (MODELSCOPE_API_TOKEN)", "runs go anonymous", True)
    result = _try(lambda: _list(open_client(settings), settings))
    accepted = not isinstance(result, str)
    return _check("the token is accepted", "accepted" if accepted else result,
                  "runs send it" if accepted else "set MODELSCOPE_API_TOKEN to a valid token", accepted)


def _page_cap(settings: Settings) -> Check:
    client = open_client(settings)
    over = _try(lambda: _list(client, settings, page_size=PAGE_SIZE + 1))
    deep = _try(lambda: _list(client, settings, page_number=LISTING_DEPTH // PAGE_SIZE + 1, page_size=PAGE_SIZE))
    observed = (f"page_size {PAGE_SIZE + 1}: " + ("refused" if isinstance(over, str) else f"served {len(over[0])}")
                + f"; page {LISTING_DEPTH // PAGE_SIZE + 1} of {PAGE_SIZE}: "
                + ("refused" if isinstance(deep, str) else "served"))
    return _check(f"pages of at most {PAGE_SIZE}, no deeper than {LISTING_DEPTH}", observed,
                  f"the collector asks for {PAGE_SIZE} a page and never past {LISTING_DEPTH}; a hub that allows "
                  "more is listed the same way", True)


def _search_checks(settings: Settings, model_id: str, total: int) -> list[Check]:
    client = open_client(settings)
    owner, name = model_id.split("/", 1)
    probe = _try(lambda: _list(client, settings, search=PROBE))
    narrows = not isinstance(probe, str) and (probe[1] < total or total <= 1)
    checks = [_check("search narrows the listing", f"'{PROBE}' matched "
                     + (probe if isinstance(probe, str) else f"{probe[1]} of {total}"),
                     "partitions by author and name substrings" if narrows else
                     f"only the first {LISTING_DEPTH} of each sort order can be listed: runs end incomplete", narrows)]
    by_name = _try(lambda: _list(client, settings, owner=owner, search=name.lower(), page_size=PAGE_SIZE))
    by_author = _try(lambda: _list(client, settings, owner=owner, search=owner.lower()))
    whole_owner = _try(lambda: _list(client, settings, owner=owner))
    found = (not isinstance(by_name, str) and any(item.get("id") == model_id for item in by_name[0])
             and not isinstance(by_author, str) and not isinstance(whole_owner, str)
             and by_author[1] == whole_owner[1])
    checks.append(_check("search matches a substring of the name and of the author (owner= narrows to the author)",
                         f"name {name.lower()!r} finds {model_id}: {found}; search {owner.lower()!r} within "
                         f"owner={owner}: {_total(by_author)} of {_total(whole_owner)}",
                         "partitions by author and name substrings" if found else
                         "the partitions may miss models; the count at the end tells", found))
    joined = f"{owner[-2:]}/{name[:2]}".lower()
    across = _try(lambda: _list(client, settings, search=joined))
    observed = (across if isinstance(across, str) else f"'{joined}', spanning the '/', matched {across[1]}: "
                + ("only name and author are searched" if across[1] == 0 else "more than name and author is searched"))
    checks.append(_check("search matches name and author as separate fields, not the joined owner/name id",
                         observed, "never searches across the '/'; either way the partitions hold", True))
    return checks


def _total(result) -> str:
    return result if isinstance(result, str) else str(result[1])


def _readme_check(settings: Settings, model_id: str) -> Check:
    owner, name = model_id.split("/", 1)
    detail = _try(lambda: call(lambda: open_client(settings).get_model(owner, name), f"getModel {model_id}", settings))
    if isinstance(detail, str) or detail is None:
        return _check("getModel serves the readme", detail or "no model", "lineage cannot be read", False)
    readme = detail.get("readme")
    observed = ("no readme" if not isinstance(readme, str) else
                f"readme of {model_id}: front matter {'yes' if readme.lstrip().startswith('---') else 'no'}, "
                f"base_model {front_matter_parents(readme) or 'none'}")
    return _check("getModel serves the readme (lineage from its front matter's base_model)", observed,
                  "lineage read incrementally from readmes", "readme" in detail)
