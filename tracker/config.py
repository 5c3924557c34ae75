"""The tracker's configuration: one optional TOML file, every key defaulted; tokens only from the environment."""

from __future__ import annotations

import os
import re
import tomllib
import typing
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path

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
    timeout: float = 30.0       # seconds to connect, and for each read, before retrying the page
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
    tolerance: float = 0.001    # share of the catalogue that may be added or removed during a run
    timeout: float = 30.0       # seconds to connect, and for each read
    deadline: float = 60.0      # seconds for one whole answer, however slowly its bytes come
    schedule: str = "0 2 * * *"

    def __post_init__(self):
        _in_range("modelscope.page_size", self.page_size, 1, 50)
        _in_range("modelscope.readme_budget", self.readme_budget, 0, 1_000_000)
        _in_range("modelscope.readme_pause", self.readme_pause, 0.0, 60.0)
        _in_range("modelscope.retry_wait", self.retry_wait, 0.0, 300.0)
        _in_range("modelscope.tolerance", self.tolerance, 0.0, 0.05)
        _in_range("modelscope.timeout", self.timeout, 0.1, 600.0)
        _in_range("modelscope.deadline", self.deadline, 0.1, 3600.0)


def _in_range(name: str, value, low, high) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not low <= value <= high:
        raise ConfigError(f"'{name}' must be between {low} and {high}, got {value!r}")


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

    def __post_init__(self) -> None:
        """Ranges and formats, checked where the values are read; one line naming the key."""
        def refuse(key: str, rule: str, shown: bool = True) -> None:
            raise ConfigError(f"'github.{key}' {rule}" + (f", got {getattr(self, key)!r}" if shown else ""))

        if self.api_url and not re.fullmatch(r"https?://[^/\s:@]+(:\d{1,5})?(/\S*)?", self.api_url):
            refuse("api_url", "must be an http(s) URL without credentials", shown=False)  # it may hold a secret
        if not 1 <= len(self.topics) <= 6 or not all(GITHUB_TOPIC.fullmatch(t) for t in self.topics):
            refuse("topics", "must be 1 to 6 GitHub topics (lowercase letters, digits, hyphens, up to 50)")
        for key, low in (("first_year", 2008), ("min_stars", 0), ("owner_refresh_days", 0), ("retry_wait", 0)):
            if getattr(self, key) < low:
                refuse(key, f"must be at least {low}")
        for key in ("max_wait", "timeout", "request_deadline"):
            if not 0 < getattr(self, key) < float("inf"):
                refuse(key, "must be a positive number of seconds")


@dataclass
class Config:
    db: str = ""                # "" = TRACKER_DB, else tracker.duckdb in the working folder
    report_dir: str = "report"
    report_schedule: str = "0 5 * * *"  # when `tracker schedule` checks the claims and writes the report (UTC)
    huggingface: HuggingFace = field(default_factory=HuggingFace)
    modelscope: ModelScope = field(default_factory=ModelScope)
    github: GitHub = field(default_factory=GitHub)

    def source(self, name: str):
        return getattr(self, name)


def token(source: str) -> str | None:
    """A source's token, read from its environment variable at the moment it is needed."""
    return os.environ.get(TOKEN_VARIABLES[source]) or None


def find_file(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    if os.environ.get("TRACKER_CONFIG"):
        return Path(os.environ["TRACKER_CONFIG"])
    return Path(CONFIG_FILE) if Path(CONFIG_FILE).exists() else None


def load(explicit: str | None = None) -> Config:
    """The effective configuration: defaults overlaid by the file, if there is one."""
    path = find_file(explicit)
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return _build(Config, data, str(path), "")


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


def effective(config: Config) -> dict:
    """The configuration as a dict, with whether each token is set (never its value)."""
    shown = asdict(config)
    for source, variable in TOKEN_VARIABLES.items():
        shown[source]["token"] = f"set in {variable} (hidden)" if token(source) else f"not set ({variable})"
    return shown

