"""A Hub stand-in whose `/api/models` pages are rendered once and then served from a file on disk.

The project's `HubStandIn` computes every model from (seed, index) and JSON-encodes each page on
request: about 100 µs per model on this machine, i.e. ~100 s of server CPU per 1M-model listing,
which would be paid inside both timings of the collection-overhead benchmark and dilute their
ratio. `CachedHubStandIn` keeps the stand-in's behaviour and bytes exactly, but renders each
page only once per (catalogue, query variant):

* a page is rendered by the *unchanged* `HubStandIn.list_models` the first time it is asked for
  (or by `prefill`), appended to `<cache>/<key>.pages`, and its (start, offset, length, next)
  recorded in a small index (one entry per page: ~1,000 entries for 1M models);
* later requests for the same (variant, cursor) are answered by `os.pread` from that file; only
  the `Link` header is computed per request, from the request's own URL, as the stand-in does;
* nothing but the index is held in memory; the bodies live on disk (and in the OS page cache).

The cache key covers the catalogue size and seed, every query parameter that shapes a body
(limit, expand and its order, full, cardData, author, search, filter) and a fingerprint of the
stand-in's source (ecosystem.py, huggingface.py, base_models.csv), so a change to the generator
invalidates it. Requests the cache cannot answer (sorted listings, odd cursors) fall through to
the original code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import time
from importlib.resources import files
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tracker.sim import huggingface as hf_sim
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.server import Reply, Request

SHAPING = ("author", "search", "full", "cardData")


def source_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("ecosystem.py", "huggingface.py", "base_models.csv", "server.py"):
        digest.update((files("tracker.sim") / name).read_bytes())
    return digest.hexdigest()[:16]


def variant_of(request: Request) -> tuple | None:
    """What shapes a page's body, or None when the cache must not answer (e.g. a sorted listing)."""
    if request.arg("sort") or request.arg("direction"):
        return None
    limit = min(int(request.arg("limit") or hf_sim.DEFAULT_PAGE), hf_sim.MAX_PAGE)
    return (limit, tuple(request.args("expand")), tuple(sorted(request.args("filter"))),
            *(request.arg(name) or "" for name in SHAPING))


class PageCache:
    """Encoded pages of one (catalogue, variant) in one file plus a JSON index; thread-safe."""

    def __init__(self, folder: Path, key: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.pages_path = folder / f"{key}.pages"
        self.index_path = folder / f"{key}.index.json"
        self.lock = threading.Lock()
        self.index: dict[int, tuple[int, int, int | None]] = {}  # start -> (offset, length, next start)
        self.complete = False
        if self.index_path.exists() and self.pages_path.exists():
            saved = json.loads(self.index_path.read_text())
            if saved.get("size") == self.pages_path.stat().st_size:
                self.index = {int(k): tuple(v) for k, v in saved["pages"].items()}
                self.complete = saved.get("complete", False)
        if not self.index:  # a torn or stale file: start again
            self.pages_path.write_bytes(b"")
        self.fd = os.open(self.pages_path, os.O_RDWR)

    def get(self, start: int) -> tuple[bytes, int | None] | None:
        entry = self.index.get(start)
        if entry is None:
            return None
        offset, length, next_start = entry
        return os.pread(self.fd, length, offset), next_start

    def put(self, start: int, body: bytes, next_start: int | None) -> None:
        with self.lock:
            if start in self.index:
                return
            offset = os.lseek(self.fd, 0, os.SEEK_END)
            os.write(self.fd, body)
            self.index[start] = (offset, len(body), next_start)

    def save(self, complete: bool = False) -> None:
        with self.lock:
            self.complete = self.complete or complete
            size = os.fstat(self.fd).st_size
            self.index_path.write_text(json.dumps({
                "size": size, "complete": self.complete,
                "pages": {str(k): list(v) for k, v in self.index.items()}}))

    @property
    def bytes(self) -> int:
        return os.fstat(self.fd).st_size

    def close(self) -> None:
        os.close(self.fd)


class CachedHubStandIn(hf_sim.HubStandIn):
    """`HubStandIn` over a `GeneratedEcosystem`, answering `/api/models` from `PageCache`s on disk."""

    def __init__(self, size: int, seed: int, cache_dir: Path, port: int = 0):
        super().__init__(GeneratedEcosystem(size, seed=seed), port)
        self.size, self.seed, self.cache_dir = size, seed, Path(cache_dir)
        self.fingerprint = source_fingerprint()
        self.caches: dict[tuple, PageCache] = {}
        self.hits = self.misses = 0
        self.page_latency = 0.0  # seconds slept before each listing page: a network slower than loopback
        self._caches_lock = threading.Lock()
        # The route registered by HubStandIn.__init__ is `self.list_models`, i.e. the override below;
        # the original method renders what the cache does not hold yet.
        self._render = super().list_models

    def cache_for(self, variant: tuple) -> PageCache:
        with self._caches_lock:
            cache = self.caches.get(variant)
            if cache is None:
                key = hashlib.sha256(json.dumps([self.size, self.seed, self.fingerprint, variant]).encode())
                cache = self.caches[variant] = PageCache(self.cache_dir, f"hub-{self.size}-{key.hexdigest()[:16]}")
            return cache

    def list_models(self, request: Request) -> Reply:
        if self.page_latency:
            time.sleep(self.page_latency)
        variant = variant_of(request)
        try:
            start = hf_sim._decode_cursor(request.arg("cursor"))
        except Exception:  # a malformed cursor: let the stand-in answer as it would
            variant = None
        if variant is None or set(variant[1]) - hf_sim.LISTING_EXPANDABLE:
            return self._render(request)
        cache = self.cache_for(variant)
        cached = cache.get(start)
        if cached is None:
            self.misses += 1
            reply = self._render(request)
            if reply.status != 200:
                return reply
            body = reply.encoded()
            cache.put(start, body, _next_start(reply))
            return Reply(reply.status, body, reply.headers, reply.content_type)
        self.hits += 1
        body, next_start = cached
        headers = dict(hf_sim.HUB_HEADERS)
        if next_start is not None:
            headers["Link"] = f'<{hf_sim._next_url(request, next_start)}>; rel="next"'
        return Reply(200, body, headers)

    def prefill(self, query: dict[str, list[str]], progress=None) -> PageCache:
        """Render every page of the listing `query` asks for into the cache (idempotent)."""
        request = Request("GET", "/api/models", {k: list(v) for k, v in query.items()}, {}, b"", self.url)
        cache = self.cache_for(variant_of(request))
        if cache.complete:
            return cache
        start: int | None = 0
        while start is not None:
            request.query.pop("cursor", None)
            if start:
                request.query["cursor"] = [_cursor(start)]
            if cache.get(start) is None:
                reply = self._render(request)
                cache.put(start, reply.encoded(), _next_start(reply))
            start = cache.index[start][2]
            if progress:
                progress(start or self.size, self.size)
        cache.save(complete=True)
        return cache

    def stop(self) -> None:
        super().stop()
        for cache in self.caches.values():
            cache.save()
            cache.close()


def _cursor(start: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"_id": {"$gt": start}}).encode()).decode()


def _next_start(reply: Reply) -> int | None:
    link = reply.headers.get("Link")
    if not link:
        return None
    url = link[1:link.index(">")]
    return hf_sim._decode_cursor(parse_qs(urlsplit(url).query)["cursor"][0])
