"""Benchmark (a): fetch every page of `/api/models` with plain HTTP, following Link headers, and
discard it. Run as a subprocess: `python -m benchmarks.rawfetch ENDPOINT --client requests [--decode]`.

It sends the same query the tracker's collector sends (limit=page size, the same `expand` fields,
in the same order), so the stand-in serves byte-identical pages to both. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

# The collector's own parameters, imported so the two can never drift apart.
from tracker.collectors.huggingface import EXPAND, PAGE_SIZE


def params(page_size: int = PAGE_SIZE) -> list[tuple[str, object]]:
    return [("limit", page_size)] + [("expand", field) for field in EXPAND]


def fetch_requests(endpoint: str, decode: bool) -> tuple[int, int, int]:
    import requests

    session = requests.Session()
    return fetch_all(lambda url, query: session.get(url, params=query, timeout=60), endpoint, decode)


def fetch_httpx2(endpoint: str, decode: bool) -> tuple[int, int, int]:
    import httpx2

    client = httpx2.Client(timeout=60)
    return fetch_all(lambda url, query: client.get(url, params=query), endpoint, decode)


def fetch_all(get, endpoint: str, decode: bool) -> tuple[int, int, int]:
    """(pages, bytes, models) of the whole listing through `get(url, query)`, following Link headers."""
    url, query = f"{endpoint}/api/models", params()
    pages = size = models = 0
    while url:
        response = get(url, query)
        response.raise_for_status()
        body = response.content
        pages, size = pages + 1, size + len(body)
        if decode:
            models += len(json.loads(body))
        url, query = response.links.get("next", {}).get("url"), None
    return pages, size, models


CLIENTS = {"requests": fetch_requests, "httpx2": fetch_httpx2}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("--client", choices=sorted(CLIENTS), default="requests")
    parser.add_argument("--decode", action="store_true", help="also json.loads every page")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pages, size, models = CLIENTS[args.client](args.endpoint.rstrip("/"), args.decode)
    seconds = time.perf_counter() - started
    print(json.dumps({"pages": pages, "bytes": size, "models": models, "loop_seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
