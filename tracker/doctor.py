"""`tracker doctor`: a handful of live requests per hub testing each assumption a collector relies on."""

from __future__ import annotations

from tracker import sources
from tracker.collectors.records import Check
from tracker.config import Config


def checks(config: Config, names: list[str]) -> list[Check]:
    """Every check of the named sources, in order; a source's checks come from its own collector."""
    found: list[Check] = []
    for name in names:
        found += PROBES[name](config)
    return found


def _huggingface(config: Config) -> list[Check]:
    from tracker.collectors import huggingface

    return huggingface.doctor_checks(sources.huggingface_settings(config))


def _modelscope(config: Config) -> list[Check]:
    from tracker.collectors import modelscope

    return modelscope.doctor_checks(sources.modelscope_settings(config))


PROBES = {"huggingface": _huggingface, "modelscope": _modelscope}


def rows(found: list[Check]) -> list[dict]:
    return [{"source": c.source, "assumption": c.assumption, "observed": c.observed,
             "collector will": c.action, "ok": "yes" if c.ok else "NO"} for c in found]
