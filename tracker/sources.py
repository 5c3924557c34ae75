"""Builds each source's collector from the configuration, the environment and what the warehouse knows."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

import duckdb

from tracker import config as configuration
from tracker.config import Config
from tracker.pipeline import Source
from tracker.warehouse import sql

SOURCE_NAMES = ("huggingface", "modelscope", "github")


# Each builder imports its own collector: a run of one source does not load the others' clients.
def huggingface_source(config: Config, con: duckdb.DuckDBPyConnection | None = None) -> Source:
    from tracker.collectors import huggingface

    c = config.huggingface
    # The library reads HF_ENDPOINT only when first imported, so the run's value is passed explicitly.
    settings = huggingface.Settings(
        endpoint=c.endpoint or os.environ.get("HF_ENDPOINT") or None, token=configuration.token("huggingface"),
        author=c.author or None, search=c.search or None, filter=tuple(c.filter),
        page_size=c.page_size, retry_wait=c.retry_wait, timeout=c.timeout,
    )
    return Source("huggingface", settings.scope(), settings.narrowed(),
                  lambda cursor: huggingface.fetch_model_pages(settings, cursor))


def modelscope_source(config: Config, con: duckdb.DuckDBPyConnection | None = None) -> Source:
    from tracker.collectors import modelscope

    c = config.modelscope
    # The SDK reads MODELSCOPE_ENDPOINT when its default config is first made, so the run's value is passed explicitly.
    settings = modelscope.Settings(
        endpoint=c.endpoint or os.environ.get("MODELSCOPE_ENDPOINT") or None, token=configuration.token("modelscope"),
        owner=c.owner or None, page_size=c.page_size, card_lineage=c.card_lineage,
    )
    return Source("modelscope", settings.scope(), settings.narrowed(),
                  lambda cursor: modelscope.fetch_model_pages(settings, cursor))


def github_source(config: Config, con: duckdb.DuckDBPyConnection, day: date,
                  moment: datetime | None = None) -> Source:
    """GitHub's collector for the snapshot `day`; owners fetched within owner_refresh_days of it are skipped.

    `moment` is the run's time (naive UTC) for collected_at/fetched_at; without it, the start of `day`.
    """
    from tracker.collectors import github

    c = config.github
    since = datetime.combine(day, time()) - timedelta(days=c.owner_refresh_days)
    fresh = frozenset(login for (login,) in sql.run(con, "fresh_owners", since=since).fetchall())
    settings = github.settings_from(c, day, configuration.token("github"), moment, fresh)
    # Only repositories above the star threshold are listed, never the whole of GitHub: always narrowed.
    return Source("github", settings.scope(), True, lambda cursor: github.fetch_pages(settings, cursor),
                  merge="merge_staged_github")


BUILDERS = {"huggingface": huggingface_source, "modelscope": modelscope_source, "github": github_source}


def build(name: str, config: Config, con: duckdb.DuckDBPyConnection) -> Source:
    return BUILDERS[name](config, con)


def enabled(config: Config) -> list[str]:
    return [name for name in SOURCE_NAMES if name in BUILDERS and config.source(name).enabled]
