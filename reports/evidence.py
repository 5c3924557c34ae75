"""A claim's verdict as the report shows it, and the chart of its evidence table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas

from tracker.reports.charts import Chart

TIME = re.compile(r"month|year|date|day|week|quarter", re.I)
NOT_A_MEASURE = re.compile(r"rank|_id$|^id$|position", re.I)
# Per claim, the chart that reads its evidence best; a claim not named here (or whose evidence lacks the
# columns named) gets one guessed from the evidence's columns.
CHARTS = {
    "qwen-derivative-leadership": dict(
        kind="line", x="month", y=("family_new", "runner_up_new"), y_label=("new derivative models per month",),
        names=("Qwen", "the best other family"), only=("definition", "transitive"),
        title="Qwen against the best other family: new derivatives per month (transitive)"),
    "modelscope-scale": dict(kind="pairs", x="measure", y=("measured", "reported"), log=True,
                             y_label=("count (log scale)",), names=("measured", "the report's figure"),
                             title="ModelScope: measured against the report's figures"),
    "modelscope-first-release": dict(kind="hbars", x="family", y=("models",), series="first_on", count=True,
                                     relabel={"modelscope": "ModelScope first", "huggingface": "Hugging Face first",
                                              "same day": "Same day", "unknown": "Unknown"},
                                     y_label=("models on both hubs",), title="Which hub had each model first"),
    "github-ai-growth": dict(kind="line", x="year", y=("cumulative", "reported_cumulative"), log=True,
                             y_label=("AI repositories, cumulative (log scale)",),
                             names=("measured (search totals)", "the report's figure"),
                             title="AI repositories on GitHub, cumulative: measured and reported"),
    "china-ai-project-rank": dict(kind="hbars", x="region", y=("repositories",), y_label=("AI repositories",),
                                  title="AI repositories by owner region"),
    "china-avg-stars-first": dict(kind="hbars", x="region", y=("mean_stars", "repositories"),
                                  y_label=("mean stars per repository", "repositories"),
                                  title="Mean stars per AI repository by owner region"),
    "china-developer-rank": dict(kind="line", x="year", y=("developers",), series="country", top=6,
                                 y_label=("developers owning a new AI repository",),
                                 title="Developers by country and year"),
    "chinese-families-footprint": dict(kind="hbars", x="family", y=("models", "derivatives", "downloads_all_time"),
                                       series="hub", y_label=("own models", "derivatives", "all-time downloads"),
                                       title="Footprint of the named families"),
}


@dataclass
class ClaimResult:
    """What the page shows of one verdict, read from check.py's Verdict (or anything shaped like it)."""

    id: str
    section: str
    statement: str
    statement_zh: str
    method: str
    verdict: str
    reason: str
    measured: str
    reported: str
    snapshot_date: str
    evidence: list[dict] = field(default_factory=list)


def read(verdict) -> ClaimResult:
    """A Verdict's fields, whether they sit on it or on its `claim`."""
    claim = getattr(verdict, "claim", None)

    def pick(*names, default=""):
        for holder in (verdict, claim):
            for name in names:
                value = holder.get(name) if isinstance(holder, dict) else getattr(holder, name, None)
                if value is not None:
                    return value
        return default

    claim_id = pick("claim_id", "id")
    return ClaimResult(
        str(claim_id), str(pick("section")), str(pick("statement", "statement_en")), str(pick("statement_zh")),
        " ".join(str(pick("method")).split()), str(pick("verdict")), str(pick("reason")),
        str(pick("measured", default="n/a")), str(pick("reported", default="")),
        str(pick("snapshot_date", default="") or ""), list(pick("evidence", default=[]) or []))


def chart_for(result: ClaimResult) -> tuple[Chart, pandas.DataFrame]:
    """The evidence chart of a claim and the rows it draws; an empty frame when nothing is chartable."""
    frame = pandas.DataFrame(result.evidence)
    spec = dict(CHARTS.get(result.id, {}))
    only, relabel = spec.pop("only", None), spec.pop("relabel", {})
    if spec.pop("count", False):
        frame = frame.assign(models=1)
    if spec and _has(frame, spec):
        if only and only[0] in frame:
            frame = frame[frame[only[0]] == only[1]]
        if relabel and spec.get("series"):
            frame = frame.assign(**{spec["series"]: frame[spec["series"]].replace(relabel)})
    else:
        spec = guess(frame)
    title = spec.pop("title", f"Evidence: {result.id}")
    if not spec:
        return Chart(f"claim-{result.id}", title, "line", "", ()), pandas.DataFrame()
    frame = _numeric(frame, spec["y"])
    return Chart(f"claim-{result.id}", title, source="claim check evidence (reports/claims)", **spec), frame


def _has(frame: pandas.DataFrame, spec: dict) -> bool:
    needed = [spec["x"], *spec["y"]] + ([spec["series"]] if spec.get("series") else [])
    return not frame.empty and all(column in frame for column in needed)


def _numeric(frame: pandas.DataFrame, columns) -> pandas.DataFrame:
    frame = frame.copy()
    for column in columns:
        frame[column] = pandas.to_numeric(frame[column], errors="coerce")
    return frame


def guess(frame: pandas.DataFrame) -> dict:
    """A chart from the evidence's shape: a time column gives lines, a label column bars; else none."""
    if frame.empty:
        return {}
    measures = [c for c in frame if _is_measure(frame[c]) and not TIME.search(c) and not NOT_A_MEASURE.search(c)]
    times = [c for c in frame if TIME.search(c)]
    labels = [c for c in frame if _is_text(frame[c]) and c not in times]
    if not measures:
        return {}
    if times and labels and frame[labels[0]].nunique() > 1:
        return dict(kind="line", x=times[0], y=(measures[0],), series=labels[0], top=8)
    if times:
        return dict(kind="line", x=times[0], y=tuple(measures[:2]))
    if labels:
        return dict(kind="hbars", x=labels[0], y=tuple(measures[:2]), top=15)
    return {}


def _is_text(column: pandas.Series) -> bool:
    return pandas.api.types.is_string_dtype(column) or column.dtype == object


def _is_measure(column: pandas.Series) -> bool:
    return pandas.api.types.is_numeric_dtype(column) and not pandas.api.types.is_bool_dtype(column)
