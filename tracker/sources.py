"""Builds each source's collector from the configuration and the environment of the run."""

from __future__ import annotations

import os

from tracker import config as configuration
from tracker.collectors import huggingface
from tracker.config import Config
from tracker.pipeline import Source

SOURCE_NAMES = ("huggingface", "modelscope", "github")


def huggingface_source(config: Config) -> Source:
    c = config.huggingface
    # The library reads HF_ENDPOINT only when first imported, so the run's value is passed explicitly.
    settings = huggingface.Settings(
        endpoint=c.endpoint or os.environ.get("HF_ENDPOINT") or None, token=configuration.token("huggingface"),
        author=c.author or None, search=c.search or None, filter=tuple(c.filter),
        page_size=c.page_size, retry_wait=c.retry_wait,
    )
    return Source("huggingface", settings.scope(), settings.narrowed(),
                  lambda cursor: huggingface.fetch_model_pages(settings, cursor))


BUILDERS = {"huggingface": huggingface_source}


def build(name: str, config: Config) -> Source:
    return BUILDERS[name](config)


def enabled(config: Config) -> list[str]:
    return [name for name in SOURCE_NAMES if name in BUILDERS and config.source(name).enabled]
