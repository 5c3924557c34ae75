"""The chart of a claim's evidence table: as its .toml's [chart] says, else one guessed from the columns."""

from __future__ import annotations

import re

import pandas

from tracker.reports.charts import Chart
from tracker.reports.judging import Verdict

TIME = re.compile(r"month|year|date|day|week|quarter", re.I)
NOT_A_MEASURE = re.compile(r"rank|_id$|^id$|position", re.I)


def chart_for(verdict: Verdict) -> tuple[Chart, pandas.DataFrame]:
    """The evidence chart of a claim and the rows it draws; an empty frame when nothing is chartable.
    A [chart] naming columns the evidence lacks gives way to a guessed one."""
    claim_id, frame = verdict.claim.id, pandas.DataFrame(verdict.evidence)
    spec = {key: tuple(value) if isinstance(value, list) else value for key, value in verdict.claim.chart.items()}
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
    title = spec.pop("title", f"Evidence: {claim_id}")
    if not spec:
        return Chart(f"claim-{claim_id}", title, "line", "", ()), pandas.DataFrame()
    frame = _numeric(frame, spec["y"])
    return Chart(f"claim-{claim_id}", title, source="claim check evidence (reports/claims)", **spec), frame


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
