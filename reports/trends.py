"""The report's trend charts: what each shows, the .sql of reports/queries/ that feeds it, drawn to PNG and CSV."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas

from tracker.collectors.records import first_line
from tracker.reports import charts
from tracker.reports.charts import Chart
from tracker.warehouse import sql

log = logging.getLogger("tracker")

RISER_DAYS = 30
MODEL_DOWNLOADS = "Downloads, all time (sum)"


@dataclass(frozen=True)
class Section:
    title: str
    charts: tuple[Chart, ...]


@dataclass
class Figure:
    """One drawn chart: its files beside the report, and what the page says about it."""

    chart: Chart
    png: bytes
    png_path: Path
    csv_path: Path
    dates: str          # the snapshot dates its data rests on, in words
    rows: int
    problem: str = ""   # why it is empty, when it is


SECTIONS = (
    Section("Models on the hubs", (
        Chart("models_per_hub_over_time", "Models listed per hub", "line", "snapshot_date", ("models",),
              ("models listed",), "snapshot date", series="hub", source="Hugging Face and ModelScope model listings",
              note="Each point counts the models a hub listed on one snapshot day (a day whose run failed counts "
                   "the pages it loaded: see the run status in the CSV)."),
    )),
    Section("Derivatives by lineage family", (
        Chart("new_derivatives_by_family_month", "New derivative models per month, by lineage family", "stacked",
              "month", ("new_derivatives",), ("new derivative models per month",), "month of creation",
              series="family", source="Hugging Face and ModelScope lineage (base_model metadata, tags, cards)",
              note="Fine-tunes, adapters, quantizations and merges created each month, at any depth below a "
                   "family's root models (definition 'transitive'); a model on both hubs counts once. A merge of "
                   "two families counts in each.", top=9,
              params=(("definition", "transitive"), ("since", "2023-01-01"))),
        Chart("family_share_of_new_derivatives", "Qwen's share of new derivative models per month", "line",
              "month", ("share",), ("share of the month's new derivatives",), "month of creation",
              series="definition", source="Hugging Face and ModelScope lineage", percent=True,
              note="Qwen's derivatives over all new derivatives of the month, under three definitions: "
                   "'transitive' (any depth), 'direct' (a parent published by Qwen itself), 'third_party' "
                   "(not published by Qwen). The CSV gives Qwen's rank among families each month.",
              params=(("family", "Qwen"), ("since", "2023-01-01"))),
    )),
    Section("Downloads and likes", (
        Chart("downloads_likes_by_family", "Downloads and likes by lineage family", "hbars", "family",
              ("downloads_all_time", "likes"), (MODEL_DOWNLOADS, "Likes (sum)"), series="hub", top=12,
              source="Hugging Face and ModelScope model listings, latest snapshot per hub",
              note="All-time downloads (the hubs' other download counts cover different windows) and likes of "
                   "every model in a family's lineage, the family's own models included."),
        Chart("downloads_likes_by_country", "Downloads and likes by the publisher's country", "hbars", "country",
              ("downloads_all_time", "likes"), (MODEL_DOWNLOADS, "Likes (sum)"), series="hub", top=12,
              source="Hugging Face and ModelScope model listings; organisations.csv",
              note="Country of the organisation publishing the model, from the curated organisations.csv; "
                   "individual and unlisted accounts are 'Unattributed'."),
    )),
    Section("History: from backfilled snapshots", (
        Chart("downloads_by_family_period", "Downloads per period between snapshots, by lineage family", "line",
              "period_end", ("downloads",), ("downloads in the period",), "end of the period",
              series="family", top=9, source="Hugging Face and ModelScope model snapshots (tracker backfill)",
              note="The difference of each model's all-time downloads between consecutive snapshots of its hub, "
                   "summed by family. Differences that are missing, negative or span a gap in a model's "
                   "snapshots are left out of the sum and counted in the CSV (flagged_models, negative_downloads)."),
        Chart("family_share_as_seen_then", "Qwen's share of new derivatives: as the hub stood then, and today",
              "line", "month", ("share_then", "share_surviving"), ("share of the month's new derivatives",),
              "month of creation", percent=True, source="Hugging Face and ModelScope snapshots and lineage",
              names=("among the models the first snapshot after the month listed",
                     "among the models the latest snapshot still lists"),
              note="A count from today's survivors alone misses the derivatives deleted since; with past "
                   "snapshots (tracker backfill) the month is also counted as the hub stood just after it. "
                   "Definition 'transitive'; family membership is today's lineage resolution.",
              params=(("definition", "transitive"), ("since", "2023-01-01"), ("family", "Qwen"))),
    )),
    Section("First releases: ModelScope or Hugging Face", (
        Chart("first_release_hub_by_family", "Where the organisations' models appeared first", "hbars", "family",
              ("models",), ("models on both hubs",), series="first_release", top=15,
              source="Hugging Face and ModelScope creation times (cross-hub identity)",
              note="Models the organisations of organisations.csv published on both hubs, matched by organisation "
                   "and name, by the lineage family of the Hugging Face copy; compared by the calendar day (UTC) "
                   "of creation on each hub."),
    )),
    Section("GitHub", (
        Chart("github_ai_repos_per_year", "AI repositories created on GitHub per year", "bars", "year",
              ("repositories",), ("repositories created (search total)",), "year of creation", log=True,
              source="GitHub repository search totals (topics of the tracker's AI definition)",
              note="GitHub's search total for repositories with one of the tracker's AI topics, per creation "
                   "window, summed by year; the current year so far is drawn lighter. Log scale."),
        Chart("github_repos_by_owner_country", "AI repositories by owner country", "hbars", "country",
              ("repositories", "mean_stars"), ("repositories above the star threshold", "mean stars per repository"),
              top=15, source="GitHub repositories above the star threshold and their owners' profile locations",
              note="Repositories the tracker enumerates (at or above the star threshold), by the country read "
                   "from the owner's profile location; 'Unknown' when the location names none."),
    )),
    Section(f"Top risers of the last {RISER_DAYS} days", (
        Chart("top_model_risers", f"Models gaining most downloads in {RISER_DAYS} days", "hbars", "model",
              ("downloads_gained", "likes_gained"), ("downloads gained (all-time count)", "likes gained"), top=15,
              series="hub",
              source="Hugging Face and ModelScope model snapshots",
              note="Growth of all-time downloads between the latest snapshot and the latest one at least "
                   f"{RISER_DAYS} days older (or the earliest, when none is).",
              params=(("days", RISER_DAYS), ("top", 15))),
        Chart("top_repo_risers", f"GitHub AI repositories gaining most stars in {RISER_DAYS} days", "hbars",
              "repository", ("stars_gained",), ("stars gained",), top=15, source="GitHub repository snapshots",
              note=f"Stars gained between the latest snapshot and the latest one at least {RISER_DAYS} days older.",
              params=(("days", RISER_DAYS), ("top", 15))),
    )),
)


def query(con: duckdb.DuckDBPyConnection, name: str, **params) -> pandas.DataFrame:
    """The result of reports/queries/<name>.sql (one statement) with its $parameters bound."""
    return sql.relation(con, name, package=sql.REPORTS, **params).df()


def draw_all(con: duckdb.DuckDBPyConnection, folder: Path, simulated: bool) -> list[tuple[Section, list[Figure]]]:
    return [(section, [figure(con, chart, folder, simulated) for chart in section.charts]) for section in SECTIONS]


def figure(con: duckdb.DuckDBPyConnection, chart: Chart, folder: Path, simulated: bool) -> Figure:
    """Run the chart's query and draw it; a query that fails (a view not built yet) gives an empty panel."""
    problem = ""
    try:
        frame = query(con, chart.name, **dict(chart.params))
    except duckdb.Error as error:
        log.warning("chart %s: %s", chart.name, first_line(error))
        frame, problem = pandas.DataFrame(), f"The data is not available: {first_line(error)}"
    dates = snapshot_dates(frame)
    footer = footnote(chart.source, dates, simulated)
    png, drawn = drawn_or_empty(chart, frame, footer, subtitle_for(frame), problem or "No rows yet.")
    return save(Figure(chart, png, folder / f"{chart.name}.png", folder / f"{chart.name}.csv", dates, len(frame),
                       problem or drawn or ("no rows yet" if frame.empty else "")), frame)


def drawn_or_empty(chart: Chart, frame: pandas.DataFrame, footer: str, subtitle: str, reason: str) -> tuple[bytes, str]:
    """The chart, or an empty panel saying why not; the second value is the drawing's failure, if any."""
    if frame.empty:
        return charts.empty(chart.title, reason, footer), ""
    try:
        return charts.draw(chart, frame, footer, subtitle), ""
    except Exception as error:  # data of a shape no chart foresaw must not cost the rest of the report
        log.warning("chart %s could not be drawn: %s", chart.name, error)
        return charts.empty(chart.title, f"The chart could not be drawn: {error}", footer), f"not drawn ({error})"


def save(figure: Figure, frame: pandas.DataFrame) -> Figure:
    figure.png_path.parent.mkdir(parents=True, exist_ok=True)
    figure.png_path.write_bytes(figure.png)
    frame.to_csv(figure.csv_path, index=False)
    return figure


def snapshot_dates(frame: pandas.DataFrame) -> str:
    """The snapshot day(s) a chart's rows rest on, from its snapshot_date (and baseline) columns."""
    days = sorted({_day(v) for column in ("baseline", "snapshot_date") if column in frame
                   for v in frame[column].dropna()})
    if not days:
        return "no snapshot"
    if len(days) <= 3:
        return "snapshot " + ", ".join(days) if len(days) == 1 else "snapshots " + ", ".join(days)
    return f"{len(days)} snapshots, {days[0]} to {days[-1]}"


def subtitle_for(frame: pandas.DataFrame) -> str:
    if "baseline" in frame and not frame.empty:
        return f"Between the snapshots of {_day(frame['baseline'].min())} and {_day(frame['snapshot_date'].max())}"
    return ""


def footnote(source: str, dates: str, simulated: bool) -> str:
    text = f"Source: {source} · {dates} · ai-ecosystem-tracker"
    return text + " · SIMULATED DATA (generated ecosystem, not real hubs)" if simulated else text


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)[:10]
