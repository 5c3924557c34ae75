"""Writes the trend report from the warehouse: a self-contained HTML page, the same as Markdown, PNG and CSV.

    <out_dir>/report.html        opens from disk, no network: charts and the CJK font subset are embedded
    <out_dir>/report.md          the same content; images and data linked from the folders below
    <out_dir>/snapshots.csv      every snapshot day used, per source
    <out_dir>/charts/<name>.png  trend charts, each with <name>.csv (its data) and reports/queries/<name>.sql
    <out_dir>/evidence/claim-<id>.png  each claim's evidence chart, with its evidence table as CSV
"""

from __future__ import annotations

import csv
import logging
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path
from string import Template

import duckdb
import pandas

from tracker.collectors.records import first_line
from tracker.reports import charts, evidence, fonts, page, trends
from tracker.reports.judging import Verdict
from tracker.reports.trends import Figure
from tracker.warehouse import publish
from tracker.warehouse import provenance

log = logging.getLogger("tracker")

TITLE = "Open-source AI ecosystem: trends, and the report's claims checked"
REPORT_ZH = "开源人工智能：合作的价值与未来"
REPORT_EN = "Open-Source AI: The Value and Future of Cooperation"
SIMULATED = "SIMULATED"
SIMULATED_NOTE = ("SIMULATED DATA: every figure on this page comes from a generated ecosystem served by local "
                  "stand-ins of Hugging Face, ModelScope and GitHub on 127.0.0.1, not from the real hubs. "
                  "It shows what the tracker does; it says nothing about the real ecosystem.")
OUT_OF_SCOPE = (
    ("The survey answers of 1,136 respondents (§4)", "a survey, not hub data: no catalogue records it"),
    ("Open models approach closed models' performance (§1)", "benchmarks of closed models are not on the hubs"),
    ("ModelScope's 16 million developers from 30+ countries (§3)",
     "ModelScope's API exposes neither developers nor their countries (see modelscope-scale)"),
)
FOOTER = ("Written by ai-ecosystem-tracker from its DuckDB warehouse. Every chart's data is the CSV beside it, "
          "produced by the .sql of the same name in reports/queries/; every claim's evidence by "
          "reports/claims/&lt;id&gt;.sql. Re-run: <code>tracker report</code> (it checks the claims first).")


ClaimFigure = tuple[Verdict, Figure]  # a verdict and the chart of its evidence


def write_report(con: duckdb.DuckDBPyConnection, out_dir: str | Path, verdicts: list[Verdict], *, simulated: bool = False,
                 generated_at: datetime | None = None) -> Path:
    """Write the report for `verdicts` into `out_dir`; returns report.html's path.

    A warehouse marked as filled from stand-ins is reported SIMULATED whatever `simulated` says. The
    report is dated `generated_at`, else by its verdicts' check: the report reads no clock. Written
    beside `out_dir` and swapped in whole, manifest.json last (warehouse/publish.py): a kill leaves the
    previous report or this one. Raises publish.OutputError when `out_dir` cannot be the folder.
    """
    simulated = simulated or provenance.simulated(con) is not None
    checked = [v.checked_at for v in verdicts if v.checked_at]
    generated_at = generated_at or max(checked, default=None)
    with publish.replacing(out_dir, legacy_owned=_legacy_files) as staging:
        generated = _write_files(con, staging.path, verdicts, simulated, generated_at)
        staging.publish({"report": "report.html", "generated": generated, "rows": _csv_rows(staging.path)})
    html_path = staging.target / "report.html"
    log.info("report written to %s", html_path)
    return html_path


def _write_files(con: duckdb.DuckDBPyConnection, out: Path, verdicts: list[Verdict], simulated: bool,
                 generated_at: datetime | None) -> str:
    snapshots = _snapshots(con, out)
    claimed = [claim_figure(v, out, simulated) for v in verdicts]
    sections = trends.draw_all(con, out / "charts", simulated)
    fields = _fields(snapshots, simulated, generated_at)
    (out / "report.md").write_text(markdown(fields, snapshots, claimed, sections, out), encoding="utf-8")
    (out / "report.html").write_text(html_page(fields, snapshots, claimed, sections, out), encoding="utf-8")
    return fields["generated"]


def _csv_rows(out: Path) -> dict[str, int]:
    """Each CSV written, with its number of rows (header aside)."""
    counts = {}
    for path in sorted(out.rglob("*.csv")):
        with path.open(newline="", encoding="utf-8") as stream:
            counts[path.relative_to(out).as_posix()] = max(0, sum(1 for _ in csv.reader(stream)) - 1)
    return counts


def _legacy_files(out: Path) -> set[str]:
    """A report from before manifests: the files its layout names (the module docstring)."""
    owned = {name for name in ("report.html", "report.md", "snapshots.csv") if (out / name).exists()}
    for folder in ("charts", "evidence"):
        owned |= {p.relative_to(out).as_posix() for p in (out / folder).glob("*.*") if p.suffix in (".png", ".csv")}
    return owned


def _snapshots(con: duckdb.DuckDBPyConnection, out: Path) -> pandas.DataFrame:
    try:
        frame = trends.query(con, "snapshots_used")
    except duckdb.Error as error:
        log.warning("snapshots: %s", first_line(error))
        frame = pandas.DataFrame(columns=["source", "snapshot_date", "what", "rows_held", "run_status"])
    frame.to_csv(out / "snapshots.csv", index=False)
    return frame


def snapshot_summary(frame: pandas.DataFrame) -> pandas.DataFrame:
    """One row per source and kind of row: its snapshot days (listed, or their span when many)."""
    rows = []
    for (source, what), days in frame.groupby(["source", "what"], sort=True):
        dates = [trends._day(d) for d in days["snapshot_date"]]
        listed = ", ".join(dates) if len(dates) <= 8 else f"{len(dates)} days, {dates[0]} to {dates[-1]}"
        statuses = sorted({s for v in days["run_status"].dropna() for s in str(v).split(", ")})
        rows.append({"source": source, "rows": what, "snapshot days": listed,
                     "rows on the latest day": int(days["rows_held"].iloc[-1]),
                     "run status": ", ".join(statuses) or "no run recorded"})
    return pandas.DataFrame(rows)


def claim_figure(verdict: Verdict, out: Path, simulated: bool) -> ClaimFigure:
    chart, frame = evidence.chart_for(verdict)
    claim = verdict.claim
    dates = f"snapshot {verdict.snapshot_date}" if verdict.snapshot_date else "no snapshot"
    footer = trends.footnote(f"claim check {claim.id} ({claim.folder}/{claim.id}.sql)", dates, simulated)
    reason = verdict.reason if not verdict.evidence else "The evidence table has no column to chart; see the table."
    png, problem = trends.drawn_or_empty(chart, frame, footer, _wrapped_statement(verdict), reason)
    folder = out / "evidence"
    figure = Figure(chart, png, folder / f"{chart.name}.png", folder / f"{chart.name}.csv", dates, len(frame), problem)
    return verdict, trends.save(figure, pandas.DataFrame(verdict.evidence))


def _wrapped_statement(verdict: Verdict) -> str:
    """The claim under its chart's title: in Chinese where a font can draw it, else in English."""
    if fonts.has_cjk() and verdict.claim.statement_zh:
        return charts.wrap(verdict.claim.statement_zh, 118)
    return charts.wrap(verdict.claim.statement, 118)


def _fields(snapshots: pandas.DataFrame, simulated: bool, generated_at: datetime | None) -> dict:
    latest = trends._day(snapshots["snapshot_date"].max()) if not snapshots.empty else "none"
    if generated_at and generated_at.tzinfo:
        generated_at = generated_at.astimezone(timezone.utc)
    return {"title": f"[{SIMULATED}] {TITLE}" if simulated else TITLE, "report_zh": REPORT_ZH,
            "report_en": REPORT_EN, "latest": latest,
            "generated": generated_at.strftime("%Y-%m-%d %H:%M UTC") if generated_at else "without a claim check"}


def _links(figure: Figure, out: Path) -> dict[str, str]:
    return {"data (CSV)": figure.csv_path.relative_to(out).as_posix(), "PNG": figure.png_path.relative_to(out).as_posix()}


def _caption(figure: Figure) -> str:
    problem = f" · empty: {figure.problem}" if figure.problem else ""
    return f"Source: {figure.chart.source} · {figure.dates} · {figure.rows:,} rows{problem}"


# --- HTML ---------------------------------------------------------------------------------------

def html_page(fields: dict, snapshots, claimed: list[ClaimFigure], sections, out: Path) -> str:
    claims_html = "".join(page.html_claim(verdict, _html_figure(figure, out)) for verdict, figure in claimed) or \
        '<p class="muted">No claim was checked.</p>'
    trends_html = "".join(
        f"<h3>{page.e(section.title)}</h3>" + "".join(
            f"<p>{page.e(f.chart.note)}</p>{_html_figure(f, out)}" for f in figures)
        for section, figures in sections)
    scope = "".join(f"<li>{page.e(what)}: {page.e(why)}</li>" for what, why in OUT_OF_SCOPE)
    body = {
        **{k: page.e(v) for k, v in fields.items()},
        "banner": f'<div class="simulated" role="alert">{page.e(SIMULATED_NOTE)}</div>' if SIMULATED in fields["title"] else "",
        "snapshots": page.html_table(snapshot_summary(snapshots), lists=("snapshot days",)) if not snapshots.empty else
        '<p class="muted">The warehouse holds no snapshot yet: collect a source first.</p>',
        "summary": page.html_summary([verdict for verdict, _ in claimed]), "claims": claims_html, "trends": trends_html,
        "out_of_scope": "<p>Claims of the report that hub data cannot test:</p><ul>" + scope + "</ul>",
        "footer": FOOTER,
    }
    # The page carries the CJK face reduced to the characters it shows: readable without that font installed.
    font_face = fonts.embedded_css(" ".join(body.values()))
    return _template("report.html").substitute({**body, "font_face": font_face})


def _html_figure(figure: Figure, out: Path) -> str:
    return page.html_figure(figure.png, figure.chart.title, _caption(figure), _links(figure, out))


# --- Markdown -----------------------------------------------------------------------------------

def markdown(fields: dict, snapshots, claimed: list[ClaimFigure], sections, out: Path) -> str:
    claims_md = "\n\n".join(page.md_claim(verdict, _md_figure(figure, out)) for verdict, figure in claimed) or \
        "_No claim was checked._"
    trends_md = "\n\n".join(
        f"### {section.title}\n\n" + "\n\n".join(f"{f.chart.note}\n\n{_md_figure(f, out)}" for f in figures)
        for section, figures in sections)
    body = {
        **fields,
        "banner": f"> **{SIMULATED_NOTE}**\n\n" if SIMULATED in fields["title"] else "",
        "snapshots": page.md_table(snapshot_summary(snapshots)) if not snapshots.empty else
        "_The warehouse holds no snapshot yet: collect a source first._",
        "summary": page.md_summary([verdict for verdict, _ in claimed]), "claims": claims_md, "trends": trends_md,
        "out_of_scope": "Claims of the report that hub data cannot test:\n\n" +
        "\n".join(f"- {what}: {why}" for what, why in OUT_OF_SCOPE),
        "footer": FOOTER.replace("&lt;", "<").replace("&gt;", ">").replace("<code>", "`").replace("</code>", "`"),
    }
    return _template("report.md").substitute(body)


def _md_figure(figure: Figure, out: Path) -> str:
    links = _links(figure, out)
    return page.md_figure(figure.chart.title, links["PNG"], _caption(figure), {"data (CSV)": links["data (CSV)"]})


def _template(name: str) -> Template:
    return Template((files("tracker.reports") / "templates" / name).read_text(encoding="utf-8"))
