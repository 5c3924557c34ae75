"""Builds each source's collector from the configuration, the environment and what the warehouse knows."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb

from tracker import config as configuration
from tracker.config import Config
from tracker.pipeline import Source
from tracker.warehouse import sql

SOURCE_NAMES = ("huggingface", "modelscope", "github")
EMPTY_AGENT_REGISTRY = {"standardEnvVars": [], "harnesses": {}}
_isolated: list[bool] = []  # not empty once this process has its own client cache


def isolate_client_caches() -> None:
    """A client cache of this process's own, removed at exit. huggingface_hub fetches an agent-harness
    registry from the endpoint by itself and keeps it under HF_HOME for a day; a malformed one makes every
    request raise (its headers are built from it). Seeded empty, the registry is never asked for, and
    nothing a hub answers outlives the process. Called before huggingface_hub is first imported, once per
    process; commands that ask no hub make no such folder."""
    if _isolated:
        return
    _isolated.append(True)
    folder = tempfile.mkdtemp(prefix="tracker-hf-home-")
    atexit.register(shutil.rmtree, folder, True)
    # huggingface_hub.constants.AGENT_HARNESSES_PATH
    seed = Path(folder) / ".agent_harnesses.json"
    seed.write_text(json.dumps(EMPTY_AGENT_REGISTRY), encoding="utf-8")
    now = datetime.now().timestamp()  # the client ages the file by this clock, not the file system's
    os.utime(seed, (now, now))
    os.environ["HF_HOME"] = folder


# Each builder imports its own collector: a run of one source does not load the others' clients.
def huggingface_settings(config: Config):
    isolate_client_caches()  # before huggingface_hub is imported
    from tracker.collectors import huggingface

    c = config.huggingface
    # The library reads HF_ENDPOINT only when first imported, so the run's value is passed explicitly.
    return huggingface.Settings(
        endpoint=c.endpoint or os.environ.get("HF_ENDPOINT") or None, token=configuration.token("huggingface"),
        author=c.author or None, search=c.search or None, filter=tuple(c.filter),
        page_size=c.page_size, retry_wait=c.retry_wait, timeout=c.timeout, deadline=c.deadline,
        max_wait=c.max_wait,
    )


def huggingface_source(config: Config, con: duckdb.DuckDBPyConnection | None = None, day: date | None = None) -> Source:
    settings = huggingface_settings(config)  # first: it isolates the client's cache before the client loads
    from tracker.collectors import huggingface

    return Source("huggingface", settings.scope(), settings.narrowed(),
                  lambda cursor: huggingface.fetch_model_pages(settings, cursor))


def modelscope_settings(config: Config, con: duckdb.DuckDBPyConnection | None = None):
    """ModelScope's settings; the readmes already read (and at which last_modified) come from the warehouse."""
    from tracker.collectors import modelscope

    c = config.modelscope
    readmes = {model_id: modelscope.ReadmeRead(changed, tuple(parents))
               for model_id, changed, parents in sql.run(con, "modelscope_readme_reads").fetchall()} if con else {}
    # The SDK reads MODELSCOPE_ENDPOINT when its default config is first made, so the run's value is passed explicitly.
    return modelscope.Settings(
        endpoint=c.endpoint or os.environ.get("MODELSCOPE_ENDPOINT") or None, token=configuration.token("modelscope"),
        owner=c.owner or None, page_size=c.page_size, readme_lineage=c.readme_lineage,
        readme_budget=c.readme_budget, readme_pause=c.readme_pause, readmes=readmes,
        retry_wait=c.retry_wait, tolerance=c.tolerance, timeout=c.timeout, deadline=c.deadline,
    )


def modelscope_source(config: Config, con: duckdb.DuckDBPyConnection | None = None, day: date | None = None) -> Source:
    from tracker.collectors import modelscope

    settings = modelscope_settings(config, con)
    return Source("modelscope", settings.scope(), settings.narrowed(),
                  lambda cursor: modelscope.fetch_model_pages(settings, cursor))


def github_source(config: Config, con: duckdb.DuckDBPyConnection, day: date,
                  moment: datetime | None = None) -> Source:
    """GitHub's collector for the snapshot `day`; owners fetched within owner_refresh_days of it are skipped.

    `moment` is the run's time (naive UTC) for collected_at/fetched_at; without it, the start of `day`.
    """
    from tracker.collectors import github
    from tracker.locations import country_of

    c = config.github
    since = datetime.combine(day, time()) - timedelta(days=c.owner_refresh_days)
    fresh = frozenset(login for (login,) in sql.run(con, "fresh_owners", since=since).fetchall())
    settings = github.settings_from(c, day, configuration.token("github"), moment, fresh, country_of)
    # Only repositories above the star threshold are listed, never the whole of GitHub: always narrowed.
    return Source("github", settings.scope(), True, lambda cursor: github.fetch_pages(settings, cursor),
                  merge="merge_staged_github")


BUILDERS = {"huggingface": huggingface_source, "modelscope": modelscope_source, "github": github_source}


def build(name: str, config: Config, con: duckdb.DuckDBPyConnection, day: date) -> Source:
    """The source `name` for a run on `day` (the run's snapshot date, which every "today" of a collector is)."""
    return BUILDERS[name](config, con, day)


def enabled(config: Config) -> list[str]:
    return [name for name in SOURCE_NAMES if name in BUILDERS and config.source(name).enabled]
