"""Draws the report's charts with matplotlib: lines, stacked bars, horizontal bars, and an empty-state panel."""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # noqa: E402
import numpy  # noqa: E402
import pandas  # noqa: E402
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402

from tracker.reports import fonts  # noqa: E402

SIZE = (9.0, 4.8)     # inches; at DPI this is 1350 x 720 px, shown at about 900 px wide
DPI = 150
OTHER = "Other"
# Tableau's ten, then softer tones; "Other" and unknowns are grey.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#86bcb6", "#8cd17d", "#d4a6c8")
GREY, UNKNOWN_GREY = "#c4c4c4", "#7a7a7a"
GREYED = {OTHER, "Unknown", "Unattributed", "unknown", "(unknown)"}
HUGGING_FACE, MODELSCOPE = "#f5a623", "#5b5bd6"
FIXED = {"huggingface": HUGGING_FACE, "modelscope": MODELSCOPE, "Hugging Face first": HUGGING_FACE,
         "huggingface first": HUGGING_FACE, "ModelScope first": MODELSCOPE, "modelscope first": MODELSCOPE,
         "Same day": "#8fbf8f", "same day": "#8fbf8f"}
SERIES_ORDER = ("huggingface", "modelscope", "ModelScope first", "Same day", "Hugging Face first", "Unknown")


@dataclass(frozen=True)
class Chart:
    """What one chart shows. `name` is its file stem and the reports/queries/<name>.sql that feeds it."""

    name: str
    title: str
    kind: str                       # line | stacked | bars | hbars | pairs
    x: str                          # the x column (for hbars: the label column)
    y: tuple[str, ...]              # value column(s); hbars draws one panel per column
    y_label: tuple[str, ...] = ()   # one per y column, with units
    x_label: str = ""
    series: str | None = None       # a column whose values become lines / stacked parts
    source: str = ""                # named under the chart
    note: str = ""                  # a paragraph on the page: what it shows and how it is counted
    top: int = 10                   # most series (or bars) shown; the rest are summed into "Other"
    log: bool = False
    percent: bool = False
    names: tuple[str, ...] = ()     # legend names of the y columns, when several are drawn as lines or pairs
    params: tuple[tuple[str, object], ...] = ()  # the .sql's $parameters


def draw(chart: Chart, frame: pandas.DataFrame, footer: str, subtitle: str = "") -> bytes:
    """The chart as PNG bytes; an empty frame gives the empty-state panel."""
    if frame.empty:
        return empty(chart.title, "No data yet for this chart.", footer)
    with _style():
        panels = len(chart.y) if chart.kind == "hbars" else 1
        fig, axes = plt.subplots(1, panels, figsize=SIZE, squeeze=False)
        try:
            DRAWERS[chart.kind](chart, frame, list(axes[0]))
            return _finish(fig, chart.title, subtitle, footer)
        finally:
            plt.close(fig)  # also when drawing failed: a long-running scheduler must not collect figures


def empty(title: str, reason: str, footer: str) -> bytes:
    """A panel saying there is nothing to draw, and why: a report never fails for want of data."""
    with _style():
        fig, ax = plt.subplots(figsize=(SIZE[0], 2.6))
        ax.set_axis_off()
        ax.add_patch(plt.Rectangle((0.01, 0.04), 0.98, 0.92, transform=ax.transAxes, fill=True,
                                   facecolor="#f6f6f6", edgecolor="#cccccc", linestyle="--"))
        ax.text(0.5, 0.58, "No data", ha="center", va="center", fontsize=16, color="#777777",
                transform=ax.transAxes)
        ax.text(0.5, 0.32, "\n".join(textwrap.wrap(reason, 110)), ha="center", va="center", fontsize=9,
                color="#555555", transform=ax.transAxes)
        return _finish(fig, title, "", footer)


def _style():
    return plt.rc_context({
        "font.family": list(fonts.matplotlib_families()), "font.size": 9.5, "axes.titlesize": 12,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": "#e6e6e6",
        "axes.axisbelow": True, "axes.edgecolor": "#888888", "legend.frameon": False, "legend.fontsize": 8.5,
        "figure.facecolor": "white", "savefig.facecolor": "white",
    })


def _finish(fig, title: str, subtitle: str, footer: str) -> bytes:
    """Title and subtitle above, the source below, the axes laid out between them."""
    height = fig.get_figheight() * 72  # points
    fig.text(0.01, 1 - 8 / height, title, ha="left", va="top", fontsize=12.5, fontweight="bold")
    top = 1 - 30 / height
    if subtitle:
        fig.text(0.01, top, subtitle, ha="left", va="top", fontsize=9, color="#444444", linespacing=1.4)
        top -= (subtitle.count("\n") + 1) * 14 / height
    simulated = "SIMULATED" in footer
    lines = textwrap.wrap(footer, 140)
    fig.text(0.01, 6 / height, "\n".join(lines), ha="left", va="bottom", fontsize=7.5, linespacing=1.3,
             color="#bc4c00" if simulated else "#666666")
    if simulated:  # the data's origin shows on the chart itself, wherever the PNG travels
        fig.text(0.99, 1 - 8 / height, "SIMULATED", ha="right", va="top", fontsize=10, fontweight="bold",
                 color="#bc4c00")
    fig.tight_layout(rect=(0, (12 + 11 * len(lines)) / height, 1, top - 4 / height))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def wrap(text: str, width: int = 120, lines: int = 2) -> str:
    """Mixed Chinese and Latin text in lines of at most `width` columns (a CJK character takes two),
    never breaking inside a Latin word or number; past `lines`, an ellipsis."""
    rows, row, used = [], "", 0
    for token in re.findall(r"[^\s\u2e80-\uffff]+|\s+|.", text):
        size = sum(2 if ord(c) >= 0x2E80 else 1 for c in token)
        if used + size > width and row.strip():
            rows.append(row.rstrip())
            row, used = "", 0
            if token.isspace():
                continue
        row, used = row + token, used + size
    rows.append(row.rstrip())
    if len(rows) > lines:
        rows = rows[:lines - 1] + [rows[lines - 1] + "…"]
    return "\n".join(rows)


def human(value: float, _position=None) -> str:
    """1234567 -> 1.2M: axis ticks people read at a glance."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if value != int(value) else f"{int(value)}"


def _value_axis(ax, chart: Chart, axis: str, label: str, values=None) -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    if chart.log:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    else:  # fewer ticks when panels sit side by side, so that their labels never run together
        panels = len(ax.get_figure().axes)
        target.set_major_locator(MaxNLocator(nbins=max(3, 9 // panels) if axis == "x" else "auto",
                                             integer=values is not None and _whole(values)))
    target.set_major_formatter(PercentFormatter(1.0) if chart.percent else FuncFormatter(human))
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(label)


def _whole(values) -> bool:
    numbers = pandas.to_numeric(pandas.Series(numpy.ravel(values)), errors="coerce").dropna()
    return not numbers.empty and bool((numbers == numbers.round()).all())


def _colours(names) -> list[str]:
    """Fixed colours for hubs and first-release outcomes (the same in every chart), the palette for the rest."""
    colours, index = [], 0
    for name in names:
        if str(name) in FIXED:
            colours.append(FIXED[str(name)])
        elif str(name) in GREYED:
            colours.append(GREY if str(name) == OTHER else UNKNOWN_GREY)
        else:
            colours.append(PALETTE[index % len(PALETTE)])
            index += 1
    return colours


def wide(frame: pandas.DataFrame, chart: Chart) -> pandas.DataFrame:
    """x by series: the `top` series by total, the rest summed into "Other", unknowns kept apart at the end."""
    table = frame.pivot_table(index=chart.x, columns=chart.series, values=chart.y[0], aggfunc="sum", fill_value=0)
    order = table.sum().sort_values(ascending=False).index
    kept = [c for c in order if str(c) not in GREYED][: chart.top]
    unknown = [c for c in order if str(c) in GREYED and str(c) != OTHER]
    rest = [c for c in table.columns if c not in kept and c not in unknown]
    result = table[kept].copy()
    if rest:
        result[OTHER] = table[rest].sum(axis=1)
    for column in unknown:
        result[column] = table[column]
    return result.sort_index()


def _as_x(values: pandas.Series) -> pandas.Series:
    """Month or day text ("2024-10") as dates, so the axis spaces them by time."""
    textual = pandas.api.types.is_string_dtype(values) or values.dtype == object
    if textual and values.astype(str).str.fullmatch(r"\d{4}-\d{2}(-\d{2})?").all():
        return pandas.to_datetime(values.astype(str), format="mixed")
    return values


def _line(chart: Chart, frame: pandas.DataFrame, axes: list) -> None:
    ax = axes[0]
    frame = frame.assign(**{chart.x: _as_x(frame[chart.x])})
    table = wide(frame, chart) if chart.series else frame.groupby(chart.x)[list(chart.y)].sum(min_count=1)
    for column, colour in zip(table.columns, _colours(table.columns)):
        ax.plot(table.index, table[column], marker="o", markersize=6 if len(table) < 3 else 3.5,
                linewidth=1.8, color=colour, label=_legend_name(chart, column))
    _value_axis(ax, chart, "y", chart.y_label[0] if chart.y_label else chart.y[0], table.to_numpy())
    if chart.percent:
        ax.set_ylim(0, min(1.0, max(0.05, float(numpy.nanmax(table.to_numpy())) * 1.15)))
    elif not chart.log:
        ax.set_ylim(bottom=0)
    ax.set_xlabel(chart.x_label)
    if pandas.api.types.is_datetime64_any_dtype(table.index):
        locator = AutoDateLocator(minticks=3, maxticks=10)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    elif _whole(table.index):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(table.columns) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title=chart.series)


def _legend_name(chart: Chart, column) -> str:
    if chart.series or column not in chart.y or chart.y.index(column) >= len(chart.names):
        return str(column)
    return chart.names[chart.y.index(column)]


def _stacked(chart: Chart, frame: pandas.DataFrame, axes: list) -> None:
    ax = axes[0]
    table = wide(frame, chart)
    labels = [_tick(v) for v in table.index]
    positions = numpy.arange(len(labels))
    bottom = numpy.zeros(len(labels))
    for column, colour in zip(table.columns, _colours(table.columns)):
        ax.bar(positions, table[column].to_numpy(), bottom=bottom, color=colour, label=str(column), width=0.85)
        bottom += table[column].to_numpy()
    _value_axis(ax, chart, "y", chart.y_label[0] if chart.y_label else chart.y[0], bottom)
    ax.set_xlabel(chart.x_label)
    ax.grid(axis="x", visible=False)
    step = max(1, int(numpy.ceil(len(labels) / 14)))
    ax.set_xticks(positions[::step], labels[::step], rotation=45 if len(labels) > 8 else 0,
                  ha="right" if len(labels) > 8 else "center")
    ax.set_xlim(-0.7, len(labels) - 0.3)
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), title=chart.series)


def _bars(chart: Chart, frame: pandas.DataFrame, axes: list) -> None:
    ax = axes[0]
    data = frame.sort_values(chart.x)
    labels = [_tick(v) for v in data[chart.x]]
    partial = data["partial"].fillna(False).astype(bool).tolist() if "partial" in data else [False] * len(data)
    positions = numpy.arange(len(labels))
    ax.bar(positions, data[chart.y[0]].to_numpy(), width=0.8, color=["#a7c4e0" if p else PALETTE[0] for p in partial],
           edgecolor=[PALETTE[0] if p else "none" for p in partial])
    _value_axis(ax, chart, "y", chart.y_label[0] if chart.y_label else chart.y[0], data[chart.y[0]])
    ax.set_xlabel(chart.x_label)
    ax.grid(axis="x", visible=False)
    ax.set_xticks(positions, labels, rotation=45 if len(labels) > 12 else 0)
    if any(partial):
        ax.bar([0], [0], color="#a7c4e0", edgecolor=PALETTE[0], label="so far this year")
        ax.legend(loc="upper left")


def _hbars(chart: Chart, frame: pandas.DataFrame, axes: list) -> None:
    """One panel per value column, bars sorted by the first; a `series` column stacks each bar by its values."""
    labels, parts = _hbar_parts(chart, frame)
    positions = numpy.arange(len(labels))
    for ax, column, label in zip(axes, chart.y, chart.y_label or chart.y):
        part = parts[column]
        left = numpy.zeros(len(labels))
        for name, colour in zip(part.columns, _colours(part.columns) if chart.series else [PALETTE[0]]):
            values = part[name].fillna(0).to_numpy(dtype=float)
            ax.barh(positions, values, left=left, color=colour, label=str(name), height=0.72)
            left += values
        _value_axis(ax, chart, "x", label, part.to_numpy())
        ax.set_yticks(positions, [_short(str(v)) for v in labels] if ax is axes[0] else [""] * len(labels))
        ax.set_ylim(len(labels) - 0.4, -0.6)
        ax.grid(axis="y", visible=False)
    if chart.series:
        axes[-1].legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=min(4, len(parts[chart.y[0]].columns)),
                        title=None, borderaxespad=0.2)


def _pairs(chart: Chart, frame: pandas.DataFrame, axes: list) -> None:
    """Two bars per label on one axis (e.g. measured against the report's figure); a missing value is said so."""
    ax = axes[0]
    labels = list(frame[chart.x])
    positions = numpy.arange(len(labels))
    height = 0.38
    columns = []
    for offset, column, colour in zip((-height / 2, height / 2), chart.y, (PALETTE[0], "#9c9c9c")):
        values = pandas.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        ax.barh(positions + offset, numpy.nan_to_num(values), height=height, color=colour,
                label=_legend_name(chart, column))
        columns.append((positions + offset, values))
    _value_axis(ax, chart, "x", chart.y_label[0] if chart.y_label else "", frame[list(chart.y)].to_numpy())
    ax.margins(x=0.12)
    floor = ax.get_xlim()[0]
    for places, values in columns:
        for position, value in zip(places, values):
            missing = numpy.isnan(value)
            ax.text(floor if missing else value, position, "  not available" if missing else f" {human(value)}",
                    va="center", fontsize=8, color="#777777" if missing else "#333333")
    ax.set_yticks(positions, [_short(str(v)) for v in labels])
    ax.set_ylim(len(labels) - 0.4, -0.6)
    ax.grid(axis="y", visible=False)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, borderaxespad=0.2)


def _hbar_parts(chart: Chart, frame: pandas.DataFrame) -> tuple[list, dict[str, pandas.DataFrame]]:
    """The labels (largest first, grey ones last) and, per value column, a label x series table in that order."""
    keys = [chart.x] + ([chart.series] if chart.series else [])
    table = frame.groupby(keys, sort=False)[list(chart.y)].sum(min_count=1)
    totals = table[chart.y[0]].groupby(level=0, sort=False).sum().sort_values(ascending=False, kind="stable")
    labels = [v for v in totals.index if str(v) not in GREYED][: chart.top]
    labels += [v for v in totals.index if str(v) in GREYED]
    parts = {}
    for column in chart.y:
        if chart.series:
            part = table[column].unstack(fill_value=0)
            part = part[sorted(part.columns, key=lambda c: (SERIES_ORDER.index(str(c)) if str(c) in SERIES_ORDER
                                                            else len(SERIES_ORDER), -part[c].sum()))]
        else:
            part = table[[column]]
        parts[column] = part.reindex(labels)
    return labels, parts


def _tick(value) -> str:
    if isinstance(value, pandas.Timestamp) or hasattr(value, "strftime"):
        return value.strftime("%Y-%m") if getattr(value, "day", 1) == 1 else value.strftime("%Y-%m-%d")
    return str(value)


def _short(label: str, width: int = 38) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


DRAWERS = {"line": _line, "stacked": _stacked, "bars": _bars, "hbars": _hbars, "pairs": _pairs}
