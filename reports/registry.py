"""The claim registry: per claim a `.toml` (statement, rule, chart) and a `.sql` that returns its evidence table.

The claims are those of reports/claims/ and of the folder $TRACKER_CLAIMS_DIR names, if any (a claim
there replaces a shipped one of the same id).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import duckdb

from tracker.warehouse import sql

SOURCES = ("huggingface", "modelscope", "github")
CLAIMS_DIR_VARIABLE = "TRACKER_CLAIMS_DIR"


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
    rule: str = ""                           # the registered verdict rule that judges the evidence
    chart: dict = field(default_factory=dict, hash=False, compare=False)  # how the page draws the evidence
    folder: str = "reports/claims"           # where its two files are, as error messages name them


def claims_folders() -> list:
    """The shipped claims folder, then the one $TRACKER_CLAIMS_DIR names (if set)."""
    extra = os.environ.get(CLAIMS_DIR_VARIABLE)
    return [files("tracker.reports") / "claims"] + ([Path(extra)] if extra else [])


def load() -> dict[str, Claim]:
    """Every registered claim by id, in the order of the ids."""
    return _load(os.environ.get(CLAIMS_DIR_VARIABLE))


@lru_cache(maxsize=4)
def _load(extra: str | None) -> dict[str, Claim]:
    found = {}
    for folder, shown in zip(claims_folders(), ("reports/claims", extra)):
        if not folder.is_dir():
            raise RegistryError(f"{CLAIMS_DIR_VARIABLE}={folder} is not a folder")
        found |= {p.name[:-5]: (folder, shown) for p in folder.iterdir() if p.name.endswith(".toml")}
    return {name: _claim(name, *found[name]) for name in sorted(found)}


def _claim(name: str, folder, shown: str) -> Claim:
    try:
        meta = tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
        query = sql.statement_in(folder, name, shown)
        claim = Claim(meta["id"], meta["section"], meta["statement"], meta["statement_zh"], meta["reported"],
                      " ".join(meta["method"].split()), tuple(meta["sources"]),
                      tuple(meta.get("optional_sources", ())), dict(meta.get("params", {})), query,
                      meta["rule"], dict(meta.get("chart", {})), shown)
    except FileNotFoundError as error:
        raise RegistryError(f"claim {name}: {error.filename} is missing") from None
    except sql.SqlFileError as error:
        raise RegistryError(str(error)) from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"{shown}/{name}.toml: not valid TOML: {error}") from None
    except KeyError as error:
        raise RegistryError(f"{shown}/{name}.toml: the key {error.args[0]!r} is missing") from None
    except (AttributeError, TypeError, ValueError):
        raise RegistryError(f"{shown}/{name}.toml: a key holds the wrong kind of value "
                            "(method, statement and rule are text; sources a list)") from None
    unknown = [s for s in claim.sources + claim.optional_sources if s not in SOURCES]
    if claim.id != name or unknown:
        raise RegistryError(f"{shown}/{name}.toml: id must be {name!r} and sources among {', '.join(SOURCES)}")
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
