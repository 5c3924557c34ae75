"""`tracker doctor`: a handful of live requests per hub testing each assumption a collector relies on."""

from __future__ import annotations

from datetime import date

from tracker import config as configuration
from tracker import sources
from tracker.collectors.records import Check
from tracker.config import Config


def checks(config: Config, names: list[str], day: date) -> list[Check]:
    """Every check of the named sources on `day`, in order; a source's checks come from its own collector."""
    found: list[Check] = []
    for name in names:
        found += PROBES[name](config, day)
    return found


def _huggingface(config: Config, day: date) -> list[Check]:
    settings = sources.huggingface_settings(config)  # first: it isolates the client's cache before the client loads
    from tracker.collectors import huggingface
    from tracker.warehouse.hub_pages import read_pages

    return huggingface.doctor_checks(settings, read_pages)


def _modelscope(config: Config, day: date) -> list[Check]:
    from tracker.collectors import modelscope

    return modelscope.doctor_checks(sources.modelscope_settings(config))


def _github(config: Config, day: date) -> list[Check]:
    from tracker.collectors import github

    return github.doctor_checks(github.settings_from(config.github, day, configuration.token("github")))


PROBES = {"huggingface": _huggingface, "modelscope": _modelscope, "github": _github}


def rows(found: list[Check]) -> list[dict]:
    return [{"source": c.source, "assumption": c.assumption, "observed": c.observed,
             "collector will": c.action, "ok": "yes" if c.ok else "NO"} for c in found]


def write_table(found: list[Check], stream) -> None:
    """One block per check, never cut: what was assumed, what the hub answered, what the collector will do."""
    from tracker.output import escape_controls  # the observed text is the hub's: no raw terminal controls

    for c in found:
        stream.write(f"{c.source:<12} {'ok ' if c.ok else 'NO '} {escape_controls(c.assumption)}\n"
                     f"{'':<16} observed: {escape_controls(c.observed)}\n"
                     f"{'':<16} will:     {escape_controls(c.action)}\n")
    failed = sum(not c.ok for c in found)
    stream.write(f"{len(found)} checks, {failed} failed\n")
