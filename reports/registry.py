"""The claim registry: per claim a `.toml` (statement, rule, chart) and a `.sql` that returns its evidence table.

The claims are those of reports/claims/ and of the folder $TRACKER_CLAIMS_DIR names, if any (a claim
there replaces a shipped one of the same id).
"""

from __future__ import annotations

import os
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import msgspec

from tracker.warehouse import sql

SOURCES = ("huggingface", "modelscope", "github")
CHART_KINDS = ("line", "stacked", "bars", "hbars", "pairs")  # reports/charts.py's DRAWERS (not imported: matplotlib)
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


Columns = Annotated[list[str], msgspec.Meta(min_length=1)]


class ChartTable(msgspec.Struct, forbid_unknown_fields=True):
    """A claim's [chart]: the fields of reports/charts.py's Chart it may set, plus only, relabel and count."""

    kind: Literal[CHART_KINDS]
    x: str
    y: Columns
    title: str = ""
    y_label: list[str] = []
    x_label: str = ""
    series: str = ""
    note: str = ""
    top: int = 10
    log: bool = False
    percent: bool = False
    names: list[str] = []
    only: tuple[str, str | int | float | bool] | None = None  # [column, value]: chart those rows only
    relabel: dict[str, str] = {}
    count: bool = False


class ClaimFile(msgspec.Struct, forbid_unknown_fields=True):
    """What a claim's .toml holds, and of which kind: a key it does not know is a typo to name."""

    id: str
    section: str
    statement: str
    statement_zh: str
    reported: str
    method: str
    sources: list[Literal[SOURCES]]
    rule: str
    optional_sources: list[Literal[SOURCES]] = []
    params: dict[str, Any] = {}
    chart: ChartTable | msgspec.UnsetType = msgspec.UNSET


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
        with _named(shown if shown == "reports/claims" else f"{CLAIMS_DIR_VARIABLE}={folder}"):
            found |= {p.name[:-5]: (folder, shown) for p in folder.iterdir() if p.name.endswith(".toml")}
    return {name: _claim(name, *found[name]) for name in sorted(found)}


def _claim(name: str, folder, shown: str) -> Claim:
    toml = f"{shown}/{name}.toml"
    with _named(toml):
        meta = tomllib.loads((folder / f"{name}.toml").read_text(encoding="utf-8"))
        held = msgspec.convert(meta, ClaimFile)
    with _named(f"{shown}/{name}.sql"):
        query = sql.statement_in(folder, name, shown)
    if held.id != name:
        raise RegistryError(f"{toml}: id must be {name!r}")
    return Claim(held.id, held.section, held.statement, held.statement_zh, held.reported, " ".join(held.method.split()),
                 tuple(held.sources), tuple(held.optional_sources), held.params, query, held.rule,
                 dict(meta.get("chart", {})), shown)


@contextmanager
def _named(file: str):
    """Turns what reading and checking `file` raises into a RegistryError naming it, in one line."""
    try:
        yield
    except FileNotFoundError:
        raise RegistryError(f"{file} is missing") from None
    except OSError as error:
        raise RegistryError(f"{file} cannot be read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        byte = error.object[error.start]
        raise RegistryError(f"{file} is not UTF-8 text (byte {error.start} is {byte:#04x})") from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"{file}: not valid TOML: {error}") from None
    except msgspec.ValidationError as error:
        raise RegistryError(f"{file}: {error}") from None
    except sql.SqlFileError as error:
        raise RegistryError(str(error)) from None


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
