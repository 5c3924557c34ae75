"""The tracker's configuration: one optional TOML file, every key defaulted; tokens only from the environment."""

from __future__ import annotations

import os
import re
import tomllib
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

CONFIG_FILE = "tracker.toml"
AI_TOPICS = ["machine-learning", "deep-learning", "artificial-intelligence", "llm", "large-language-models"]
GITHUB_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")  # GitHub's rule for topic names
TOKEN_VARIABLES = {"huggingface": "HF_TOKEN", "modelscope": "MODELSCOPE_API_TOKEN", "github": "GITHUB_TOKEN"}


class ConfigError(Exception):
    """The configuration file is unreadable, or a key is unknown or of the wrong type."""


@dataclass
class HuggingFace:
    enabled: bool = True
    endpoint: str = ""          # "" = HF_ENDPOINT from the environment, else https://huggingface.co
    author: str = ""            # narrow the listing to one user or organisation
    search: str = ""            # narrow the listing to ids containing this text
    filter: list[str] = field(default_factory=list)  # narrow to models carrying all these tags
    page_size: int = 1000
    retry_wait: float = 1.0     # seconds before the first retry of a failed request; doubles after
    timeout: float = 15.0       # seconds to connect, and for each read, before retrying the page
    deadline: float = 120.0     # seconds for one whole page, however slowly its bytes come
    max_wait: float = 900.0     # the longest rate-limit wait (Retry-After) waited out; longer fails the run
    schedule: str = "0 1 * * *"  # cron expression for `tracker schedule` (UTC)


@dataclass
class ModelScope:
    enabled: bool = True
    endpoint: str = ""          # "" = MODELSCOPE_ENDPOINT, else https://modelscope.cn
    owner: str = ""             # narrow the listing to one organisation
    page_size: int = 50         # listModels allows 1..50
    readme_lineage: bool = True  # lineage from each model's readme (getModel), read again only once it changed
    readme_budget: int = 2000   # getModel requests for readmes in one run: a large catalogue fills over nights
    readme_pause: float = 0.5   # seconds between two readme requests
    retry_wait: float = 2.0     # seconds before the first retry of a throttled or failed request; doubles after
    retries: int = 3            # retries of a throttled or failed request
    tolerance: float = 0.001    # share of the catalogue that may be added or removed during a run
    timeout: float = 15.0       # seconds to connect, and for each read
    deadline: float = 60.0      # seconds for one whole answer, however slowly its bytes come
    schedule: str = "0 2 * * *"


@dataclass
class GitHub:
    enabled: bool = True
    api_url: str = ""           # "" = GITHUB_API_URL, else https://api.github.com
    topics: list[str] = field(default_factory=lambda: list(AI_TOPICS))
    first_year: int = 2011
    min_stars: int = 100        # repositories at or above this are enumerated one by one
    owner_refresh_days: int = 90
    retry_wait: float = 1.0
    max_wait: float = 900.0     # the longest single wait (Retry-After, rate-limit reset, backoff); longer fails the run
    timeout: float = 30.0       # seconds between two reads of one answer
    request_deadline: float = 60.0  # seconds for one whole answer, however slowly it trickles in
    schedule: str = "0 3 * * *"



@dataclass
class Config:
    db: str = ""                # "" = TRACKER_DB, else tracker.duckdb in the working folder
    report_dir: str = "report"
    report_schedule: str = "0 5 * * *"  # when `tracker schedule` checks the claims and writes the report (UTC)
    merge_wait: float = 600.0   # seconds a run's end waits for readers (tracker sql ...) to let go of the warehouse
    huggingface: HuggingFace = field(default_factory=HuggingFace)
    modelscope: ModelScope = field(default_factory=ModelScope)
    github: GitHub = field(default_factory=GitHub)

    def source(self, name: str):
        return getattr(self, name)


def token(source: str) -> str | None:
    """A source's token, read from its environment variable at the moment it is needed."""
    return os.environ.get(TOKEN_VARIABLES[source]) or None


# --- the range and format of every key: one place, so a new key gets its rule here -----------------

def at_least(low: float) -> Callable:
    return lambda value: None if value >= low else f"must be at least {low:g}"


def above(low: float) -> Callable:
    return lambda value: None if value > low else f"must be greater than {low:g}"


def between(low: float, high: float) -> Callable:
    return lambda value: None if low <= value <= high else f"must be between {low:g} and {high:g}"


def seconds() -> Callable:
    """A time limit: more than nothing, less than forever."""
    return lambda value: None if 0 < value < float("inf") else "must be a positive number of seconds"


def url() -> Callable:
    """"" (the default of the source) or an http(s) address with a host."""
    def check(value: str) -> str | None:
        parts = urlsplit(value)
        if parts.username or parts.password:
            return "must not hold credentials (tokens come from the environment only)"
        if value == "" or (parts.scheme in ("http", "https") and parts.hostname):
            return None
        return "must be an http(s) URL: http:// or https:// and a host (or \"\" for the default)"
    return check


def cron() -> Callable:
    """5 cron fields (minute hour day month weekday), or 6 with seconds first, as `tracker schedule` reads them."""
    return lambda value: cron_problem(value)


def github_topics(most: int) -> Callable:
    def check(value: list[str]) -> str | None:
        if not 1 <= len(value) <= most or not all(GITHUB_TOPIC.fullmatch(t) for t in value):
            return f"must be 1 to {most} GitHub topics (lowercase letters, digits, hyphens, up to 50)"
        return None
    return check


def anything() -> Callable:
    return lambda value: None


CRON_FIELDS = ("second", "minute", "hour", "day", "month", "day_of_week")


def cron_problem(expression: str) -> str | None:
    """Why `expression` is not a cron schedule, or None. APScheduler is imported only when one is checked."""
    from apscheduler.triggers.cron import CronTrigger

    parts = expression.split()
    try:
        if len(parts) == 5:
            CronTrigger.from_crontab(expression, timezone=timezone.utc)
        elif len(parts) == 6:
            CronTrigger(**dict(zip(CRON_FIELDS, parts)), timezone=timezone.utc)
        else:
            return "must have 5 cron fields (or 6 with seconds first)"
    except ValueError as error:
        return f"is not a valid cron expression ({error})"
    return None


# Keys without an entry here are refused by a test: every key states its range or format.
RULES: dict[str, Callable] = {
    "db": anything(),
    "report_dir": lambda v: None if v.strip() else "must name a folder",
    "report_schedule": cron(),
    "merge_wait": seconds(),
    "huggingface.enabled": anything(),
    "huggingface.endpoint": url(),
    "huggingface.author": anything(),
    "huggingface.search": anything(),
    "huggingface.filter": anything(),
    "huggingface.page_size": between(1, 1000),   # the Hub serves at most 1,000 models a page
    "huggingface.retry_wait": between(0, 60),
    "huggingface.timeout": seconds(),
    "huggingface.deadline": seconds(),
    "huggingface.max_wait": seconds(),
    "huggingface.schedule": cron(),
    "modelscope.enabled": anything(),
    "modelscope.endpoint": url(),
    "modelscope.owner": anything(),
    "modelscope.page_size": between(1, 50),      # the OpenAPI description's maximum page size
    "modelscope.readme_lineage": anything(),
    "modelscope.readme_budget": between(0, 1_000_000),
    "modelscope.readme_pause": between(0, 60),
    "modelscope.retry_wait": between(0, 300),
    "modelscope.retries": between(0, 10),
    "modelscope.tolerance": between(0, 0.05),
    "modelscope.timeout": seconds(),
    "modelscope.deadline": seconds(),
    "modelscope.schedule": cron(),
    "github.enabled": anything(),
    "github.api_url": url(),
    "github.topics": github_topics(6),           # the README: at most six
    "github.first_year": at_least(2008),         # GitHub opened in 2008: no repository is older
    "github.min_stars": at_least(0),
    "github.owner_refresh_days": at_least(0),
    "github.retry_wait": between(0, 60),
    "github.max_wait": seconds(),
    "github.timeout": seconds(),
    "github.request_deadline": seconds(),
    "github.schedule": cron(),
}


def check_value(name: str, value, where: str) -> None:
    """Raise ConfigError naming `name` (and `where` it came from) when `value` is outside its key's rule."""
    rule = RULES.get(name, anything())
    problem = rule(value)
    if problem:
        shown = "" if "@" in str(value) else f", got {value!r}"  # an address may hold a secret: never echoed
        raise ConfigError(f"{where}: '{name}' {problem}{shown}")


def flattened(config) -> dict:
    """The configuration as {"section.key": value}."""
    shown = {}
    for key, value in asdict(config).items():
        if isinstance(value, dict):
            shown.update({f"{key}.{inner}": v for inner, v in value.items()})
        else:
            shown[key] = value
    return shown


# --- reading the file ----------------------------------------------------------------------------

def find_file(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get("TRACKER_CONFIG"):
        return Path(os.environ["TRACKER_CONFIG"])
    return Path(CONFIG_FILE) if Path(CONFIG_FILE).exists() else None


@dataclass
class Loaded:
    """The effective configuration and the file it was read from (None: defaults only)."""

    config: Config
    path: Path | None
    from_file: set[str] = field(default_factory=set)   # "section.key" names the file set


def load(explicit: str | None = None) -> Config:
    """The effective configuration: defaults overlaid by the file, if there is one, each of its values checked."""
    return load_with_origins(explicit).config


def load_with_origins(explicit: str | None = None) -> Loaded:
    path = find_file(explicit)
    if path is None:
        return Loaded(Config(), None)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    config = _build(Config, data, str(path), "")
    return Loaded(config, path, set(_names(data)))


def _names(data: dict, prefix: str = "") -> list[str]:
    """The "section.key" names a file's tables set."""
    return [name for key, value in data.items()
            for name in (_names(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"])]


def _build(kind: type, data: dict, path: str, prefix: str):
    known = {f.name: f for f in fields(kind)}
    hints = typing.get_type_hints(kind)
    values = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in known:
            raise ConfigError(f"{path}: unknown key '{name}' (known: {', '.join(sorted(known))})")
        expected = hints[key]
        if is_dataclass(expected):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: '{name}' must be a table [{name}]")
            values[key] = _build(expected, value, path, f"{name}.")
        else:
            values[key] = _checked(value, expected, path, name)
            check_value(name, values[key], path)
    return kind(**values)


def _checked(value, expected, path: str, name: str):
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    origin = typing.get_origin(expected)
    if origin is list:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        raise ConfigError(f"{path}: '{name}' must be a list of strings, got {value!r}")
    if isinstance(expected, type) and isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        return value
    raise ConfigError(f"{path}: '{name}' must be {_type_name(expected)}, got {value!r}")


def _type_name(expected) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(expected, str(expected))


# --- showing it ----------------------------------------------------------------------------------

ENDPOINT_VARIABLES = {"huggingface.endpoint": "HF_ENDPOINT", "modelscope.endpoint": "MODELSCOPE_ENDPOINT",
                      "github.api_url": "GITHUB_API_URL"}


def effective(loaded: Loaded | Config, db_path: Path | None = None, db_origin: str | None = None) -> dict:
    """The configuration as a dict, with whether each token is set (never its value), the warehouse path
    that will be used, and where each value came from: default, the file, or the environment."""
    if isinstance(loaded, Config):
        loaded = Loaded(loaded, None)
    shown = asdict(loaded.config)
    origins = {name: (f"file {loaded.path}" if name in loaded.from_file else "default")
               for name in flattened(loaded.config)}
    for name, variable in ENDPOINT_VARIABLES.items():
        section, key = name.split(".")
        if not shown[section][key] and os.environ.get(variable):
            shown[section][key], origins[name] = os.environ[variable], f"environment {variable}"
    if db_path is not None:
        shown["db"], origins["db"] = str(db_path), db_origin or origins["db"]
    for source, variable in TOKEN_VARIABLES.items():
        shown[source]["token"] = f"set in {variable} (hidden)" if token(source) else f"not set ({variable})"
        origins[f"{source}.token"] = f"environment {variable}"
    shown["from"] = origins
    return shown
