"""What every collector yields (pages of flat records) and the lenient readers of API values."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit


class CollectorError(Exception):
    """A source answered in a way the collector cannot use; the message names the request."""


class CatalogueIncomplete(CollectorError):
    """Raised after a listing's last page when the collector knows it could not list the whole catalogue.

    The pipeline keeps the pages, marks the run `incomplete` (not `succeeded`) and marks no model gone.
    """


@dataclass
class Check:
    """One assumption a collector relies on, as `tracker doctor` observed it live."""

    source: str
    assumption: str
    observed: str
    action: str          # what the collector will do, given what was observed
    ok: bool             # False: the collector's assumption failed (doctor exits non-zero)


@dataclass
class Page:
    records: dict[str, list[dict]]  # record kind ("models", "lineage", ...) -> rows keyed by column
    cursor: str | None              # where the next page starts; None after the last page
    catalog_total: int | None = None
    count: int | None = None        # records on the page, when its first kind is not one row per record

    def size(self) -> int:
        return self.count if self.count is not None else len(next(iter(self.records.values()), ()))


BIGINT, INTEGER = range(-2**63, 2**63), range(-2**31, 2**31)  # the warehouse's integer columns


def as_int(value: Any, within: range = BIGINT) -> int | None:
    """An integer from an int, a finite float or digits in a string, within the warehouse column's range;
    anything else (1e300, twenty digits) is unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if math.isfinite(value) else None
    elif isinstance(value, str):
        digits = value.strip().removeprefix("-")
        value = int(value) if digits.isascii() and digits.isdigit() and len(digits) < 20 else None
    return value if isinstance(value, int) and value in within else None


def as_count(value: Any) -> int | None:
    """A count the warehouse keeps as INTEGER (likes, stars, forks, issues)."""
    return as_int(value, INTEGER)


def as_text(value: Any) -> str | None:
    return without_lone_surrogates(value) if isinstance(value, str) and value else None


def as_texts(value: Any) -> list[str]:
    return [without_lone_surrogates(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


def without_lone_surrogates(value: Any) -> Any:
    """`value` with each lone surrogate in its text (keys too) as U+FFFD, the replacement character.

    JSON may escape one (`"\\ud800"`); Python's json reads it into text that no UTF-8 can hold, which
    pyarrow, DuckDB, YAML and the terminal refuse (docs/api-contracts.md).
    """
    if isinstance(value, str):
        return value if value.isascii() else value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    if isinstance(value, tuple):
        return tuple(without_lone_surrogates(item) for item in value)
    if isinstance(value, dict):
        return {without_lone_surrogates(key): without_lone_surrogates(item) for key, item in value.items()}
    return value


def as_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def as_timestamp(value: Any, epoch_seconds: bool = False) -> datetime | None:
    """A naive UTC datetime from ISO-8601 text (`2024-09-16T11:55:40.000Z`), or from epoch seconds if allowed."""
    try:  # a moment past year 1 or 9999 once moved to UTC (epoch 1e20, `9999-12-31T23:59:59-01:00`) is unknown
        if epoch_seconds and isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, timezone.utc).replace(tzinfo=None)
        if not isinstance(value, str):
            return None
        if len(value) == 24 and value[10] == "T" and value[19] == "." and value[20:23].isdigit() and value[23] == "Z":
            value = value[:23]  # the Hub's `2024-09-16T11:55:40.000Z`: already UTC, the common case
        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError, OSError):
        return None


def public_url(url: str | None) -> str | None:
    """`url` without its userinfo (`https://user:secret@host/` -> `https://host/`): what may be stored or shown."""
    if not url or "@" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def excerpt(value: Any, limit: int = 120) -> str:
    """A short JSON rendering of an API value, for error messages."""
    text = without_lone_surrogates(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) < limit else text[: limit - 3] + "..."


def first_line(error: BaseException) -> str:
    """An error's message on one line, for a log line or a run's error text."""
    text = str(error).strip() or type(error).__name__
    return without_lone_surrogates(text.splitlines()[0])


def same_origin(url: str, endpoint: str) -> bool:
    """Whether `url` has the scheme, host and port of `endpoint` (where a token may be sent)."""
    a, b = urlsplit(url), urlsplit(endpoint)
    try:
        return (a.scheme.lower(), a.hostname, _port(a)) == (b.scheme.lower(), b.hostname, _port(b))
    except ValueError:  # a port that is not a number
        return False


def _port(parts) -> int | None:
    return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
