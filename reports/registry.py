"""The claim registry: per claim a `.toml` of metadata and a `.sql` that returns its evidence table."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files

import duckdb

from tracker.warehouse import sql

SOURCES = ("huggingface", "modelscope", "github")


class RegistryError(Exception):
    """A claim's metadata or query is missing or malformed; the message names the file."""


@dataclass(frozen=True)
class Claim:
    """A claim of the report, as registered in reports/claims/<id>.toml."""

    id: str
    section: str
    statement: str
    statement_zh: str
    reported: str
    method: str
    sources: tuple[str, ...]                 # every one must have a succeeded run
    optional_sources: tuple[str, ...] = ()   # used when collected
    params: dict = field(default_factory=dict, hash=False, compare=False)
    query: str = field(default="", repr=False)


def claims_folder():
    return files("tracker.reports") / "claims"


@lru_cache(maxsize=1)
def load() -> dict[str, Claim]:
    """Every registered claim by id, in the order of the ids."""
    names = sorted(p.name[:-5] for p in claims_folder().iterdir() if p.name.endswith(".toml"))
    return {name: _claim(name) for name in names}


def _claim(name: str) -> Claim:
    folder = claims_folder()
    try:
        meta = tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
        query = sql.statement(name, "claims", sql.REPORTS)
        claim = Claim(meta["id"], meta["section"], meta["statement"], meta["statement_zh"], meta["reported"],
                      " ".join(meta["method"].split()), tuple(meta["sources"]),
                      tuple(meta.get("optional_sources", ())), dict(meta.get("params", {})), query)
    except FileNotFoundError as error:
        raise RegistryError(f"claim {name}: {error.filename} is missing") from None
    except (tomllib.TOMLDecodeError, KeyError) as error:
        raise RegistryError(f"reports/claims/{name}.toml: {error!r}") from None
    except sql.SqlFileError as error:
        raise RegistryError(f"reports/{error}") from None
    unknown = [s for s in claim.sources + claim.optional_sources if s not in SOURCES]
    if claim.id != name or unknown:
        raise RegistryError(f"reports/claims/{name}.toml: id must be {name!r} and sources among {', '.join(SOURCES)}")
    return claim


def evidence(con: duckdb.DuckDBPyConnection, claim: Claim) -> list[dict]:
    """The claim's evidence table, as rows keyed by column name (JSON-ready values)."""
    result = sql.execute(con, claim.query, claim.params)
    columns = [d[0] for d in result.description]
    return [dict(zip(columns, (plain(v) for v in row))) for row in result.fetchall()]


def plain(value):
    """A value JSON can hold: dates as ISO text, decimals as floats."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
