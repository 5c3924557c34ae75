"""`tracker demo`: the real pipeline (collect, check, report) against local stand-ins of the three hubs.

The stand-ins on 127.0.0.1 serve a generated ecosystem, so the demo needs no network and no token, and
everything it shows is SIMULATED: the report's title, the out folder's README and what it prints say so.
It collects several snapshot days over the past year; on each day the hubs list only the models
created by then, and downloads, likes and stars have grown as they would (a few models rise fast), so
the time series, the derivative trends and the risers of the last 30 days all have a shape.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
import random
import shlex
import shutil
import time
import zlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

from tracker import sources
from tracker.cli_warehouse import example_commands
from tracker.config import Config
from tracker.pipeline import CollectionFailed, collect
from tracker.reports import check
from tracker.sim import github as github_sim
from tracker.sim.ecosystem import GeneratedEcosystem, SimModel
from tracker.sim.huggingface import HubStandIn
from tracker.sim.modelscope import ModelScopeStandIn
from tracker.warehouse import db, provenance, sql

MARKER = "# SIMULATED DATA: tracker demo"
WAREHOUSE, REPORT = "warehouse.duckdb", "report"
# Days before the run's day that get a snapshot: sparse over the year, dense over the last month (risers).
SNAPSHOT_DAYS = (-330, -240, -150, -90, -60, -30, -14, 0)
TOKENS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "GITHUB_TOKEN", "MODELSCOPE_API_TOKEN")
RISING_SHARE = 0.04   # models and repositories whose counts grow late and fast


class DemoError(Exception):
    """The demo cannot run as asked (e.g. the out folder holds something that is not a demo)."""


@dataclass
class Size:
    huggingface: int = 24_000
    modelscope: int = 4_000
    github: int = 3_000
    seed: int = 2024

    @classmethod
    def scaled(cls, scale: float) -> "Size":
        """The default ecosystem times `scale` (0.25 gives a demo of a few seconds' collection)."""
        base = cls()
        return cls(max(500, int(base.huggingface * scale)), max(200, int(base.modelscope * scale)),
                   max(300, int(base.github * scale)), base.seed)


@dataclass
class DemoResult:
    out_dir: Path
    warehouse: Path
    report: Path
    snapshot_dates: list[date]
    sources: list[str]
    skipped: dict[str, str] = field(default_factory=dict)
    verdicts: list = field(default_factory=list)
    seconds: float = 0.0


def say(line: str) -> None:
    print(line, flush=True)  # at once, even into a pipe or a log: the demo shows what it is doing as it does it


def demo(out_dir: str | Path, size: Size | None = None, days: tuple[int, ...] = SNAPSHOT_DAYS,
         echo: Callable[[str], None] = say, *, day: date, now: datetime) -> DemoResult:
    """Collect, check and report a simulated ecosystem into `out_dir`, its last snapshot on `day`; prints
    where everything is. Interrupted, it leaves a folder a rerun rebuilds."""
    started, size = time.monotonic(), size or Size()
    out = prepare(Path(out_dir))
    dates = [day + timedelta(days=offset) for offset in sorted(days)]
    echo("SIMULATED DATA: tracker demo. A generated ecosystem served by local stand-ins of Hugging Face, "
         "ModelScope and GitHub on 127.0.0.1; nothing here is real hub data.")
    echo(f"into {out}: the warehouse {WAREHOUSE}, the report in {REPORT}/")
    result = DemoResult(out, out / WAREHOUSE, out / REPORT / "report.html", dates, [])
    write_readme(result)  # first: a folder left by an interrupted demo is still known as the demo's
    con = db.connect(result.warehouse)
    try:
        provenance.mark_simulated(con)
        with _without_tokens():
            _collect_days(con, size, dates, result, echo)
        echo("checking the claims, then writing the report ...")
        result.verdicts, result.report = check.check_then_report(con, out / REPORT, checked_at=now, simulated=True)
        echo(tally(result.verdicts))
    finally:
        con.close()
    write_readme(result)
    result.seconds = time.monotonic() - started
    _tell(result, echo)
    return result


def prepare(out: Path) -> Path:
    """The out folder, emptied of an earlier demo's warehouse and report; refuses a folder holding anything else."""
    readme = out / "README.md"
    if out.exists() and any(out.iterdir()):
        if not (readme.exists() and readme.read_text(encoding="utf-8").startswith(MARKER)):
            raise DemoError(f"{out} is not empty and holds no earlier demo: choose a new folder for --out")
        for name in (WAREHOUSE, WAREHOUSE + ".wal"):
            (out / name).unlink(missing_ok=True)
        shutil.rmtree(out / REPORT, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    return out


@contextlib.contextmanager
def _without_tokens() -> Iterator[None]:
    """The stand-ins need no token, so none of the user's is sent to them."""
    saved = {name: os.environ.pop(name) for name in TOKENS if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


# --- the simulated world, day by day -------------------------------------------------------------

def _collect_days(con, size: Size, dates: list[date], result: DemoResult, echo) -> None:
    end = datetime.combine(dates[-1], datetime.min.time(), tzinfo=timezone.utc)
    echo(f"generating the ecosystem: {size.huggingface:,} Hugging Face models, {size.modelscope:,} ModelScope "
         f"models, {size.github:,} GitHub repositories ...")
    hf = list(GeneratedEcosystem(size.huggingface, seed=size.seed, end=end))
    ms = list(GeneratedEcosystem(size.modelscope, seed=size.seed + 1, hub="modelscope", end=end,
                                 start=datetime(2024, 9, 17, tzinfo=timezone.utc)))
    repos = github_sim.generate(size.github, seed=size.seed, end=end.replace(tzinfo=None))
    if "modelscope" not in sources.BUILDERS:
        result.skipped["modelscope"] = "tracker/sources.py has no ModelScope builder yet"
    echo(f"collecting {len(dates)} snapshot days, {dates[0]} to {dates[-1]}, with the real collectors:")
    for number, day in enumerate(dates, 1):
        counts = [_collect_models(con, "huggingface", HubStandIn, hf, day)]
        if "modelscope" not in result.skipped:
            counts.append(_collect_models(con, "modelscope", ModelScopeStandIn, ms, day))
        counts.append(_collect_github(con, repos, day))
        echo(f"  day {number} of {len(dates)}, {day}:  " + " · ".join(counts))
    result.sources = ["huggingface", "github"] + ([] if "modelscope" in result.skipped else ["modelscope"])
    for name, why in result.skipped.items():
        echo(f"  {name} skipped: {why}")


def _collect_models(con, name: str, stand_in_class, catalogue: list[SimModel], day: date) -> str:
    served = models_on(catalogue, day)
    with stand_in_class(served) as stand_in:
        config = Config()
        source_config = config.source(name)
        source_config.endpoint, source_config.retry_wait = stand_in.url, 0.05
        if name == "modelscope":
            source_config.readme_pause = 0.0  # local stand-ins need no pacing
        summary = _collected(con, sources.build(name, config, con, day), day)
    return f"{name} {summary.records:,} models"


def _collect_github(con, world: github_sim.Ecosystem, day: date) -> str:
    served = repos_on(world.repos, day)
    # The real limits (10 searches a minute without a token) would make the demo wait for minutes.
    with github_sim.GitHubStandIn(served, world.owners, search_limit=100_000, core_limit=100_000) as stand_in:
        config = Config()
        config.github.api_url, config.github.retry_wait = stand_in.url, 0.05
        summary = _collected(con, sources.build("github", config, con, day), day)
    return f"github {summary.records:,} records"


def _collected(con, source, day: date):
    """One collection from a stand-in; Ctrl-C stays Ctrl-C, any other failure is one line."""
    try:
        return collect(con, source, snapshot_date=day)
    except CollectionFailed as error:
        if isinstance(error.__cause__, KeyboardInterrupt):
            raise KeyboardInterrupt from None
        raise DemoError(f"the demo's collection of {source.name} on {day} failed: {error}") from None


def models_on(catalogue: list[SimModel], day: date) -> list[SimModel]:
    """The models a hub lists on `day` (created by then), with their counts as they stood that day."""
    latest = max(m.created_at for m in catalogue).date()
    return [_grown(m, day, latest) for m in catalogue if m.created_at.date() <= day]


def repos_on(repos: list[github_sim.SimRepo], day: date) -> list[github_sim.SimRepo]:
    latest = max(r.created_at for r in repos).date()
    return [replace(r, stars=int(r.stars * _growth(r.full_name, r.created_at.date(), day, latest)))
            for r in repos if r.created_at.date() <= day]


def _grown(model: SimModel, day: date, latest: date) -> SimModel:
    share = _growth(model.model_id, model.created_at.date(), day, latest)
    month_ago = _growth(model.model_id, model.created_at.date(), day - timedelta(days=30), latest)
    all_time = int(model.downloads_all_time * share)
    return replace(model, downloads_all_time=all_time, downloads=all_time - int(model.downloads_all_time * month_ago),
                   likes=int(model.likes * share ** 0.8))


def _growth(key: str, created: date, day: date, latest: date) -> float:
    """The share of its final count a model (or repository) has reached on `day`: most grow steadily, a few late."""
    rng = random.Random(zlib.crc32(key.encode()))
    power = 6.0 if rng.random() < RISING_SHARE else 1.0 + rng.random()
    age, lifetime = (day - created).days, max((latest - created).days, 1)
    return min(max(age / lifetime, 0.0), 1.0) ** power


# --- check, report, tell -------------------------------------------------------------------------

def tally(verdicts: list) -> str:
    counted = Counter(v.verdict for v in verdicts)
    return f"checked {len(verdicts)} claims: " + ", ".join(f"{n} {v}" for v, n in sorted(counted.items()))


def write_readme(result: DemoResult) -> None:
    queries = "\n".join(example_commands(Path(WAREHOUSE)))
    skipped = "".join(f"\n- {name} was skipped: {why}" for name, why in result.skipped.items())
    text = f"""{MARKER}

Everything in this folder comes from a **generated ecosystem** served by local stand-ins of the hubs'
APIs on 127.0.0.1, collected by the real tracker pipeline. It is **SIMULATED**: it shows what the
tracker does and says nothing about the real Hugging Face, ModelScope or GitHub.

- `{REPORT}/report.html`: the report (self-contained; opens from disk), `{REPORT}/report.md` the same
  in Markdown; charts as PNG with their data as CSV in `{REPORT}/charts/` and `{REPORT}/evidence/`
- `{WAREHOUSE}`: the DuckDB warehouse; snapshot days {", ".join(str(d) for d in result.snapshot_dates)}
- sources collected: {", ".join(result.sources) or "none yet: the demo did not finish, run it again"}{skipped}

Try, from this folder:

```sh
{queries}
```

Run `tracker demo --out <this folder>` again to rebuild it.
"""
    (result.out_dir / "README.md").write_text(text, encoding="utf-8")


def _tell(result: DemoResult, echo) -> None:
    echo(f"report (SIMULATED):    {result.report}")
    echo(f"warehouse (SIMULATED): {result.warehouse}")
    echo(f"done in {result.seconds:.0f} s. Ask its warehouse (or set TRACKER_DB={shlex.quote(str(result.warehouse))}):")
    for line in example_commands(result.warehouse):
        echo(f"  {line}")
