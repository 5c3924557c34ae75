"""The pieces of the report page, as HTML and as Markdown: tables, verdict badges, figures, claim sections."""

from __future__ import annotations

import base64
import html
import re
from datetime import date, datetime, time

import numpy
import pandas

from tracker.reports.judging import Verdict

BADGE = {"supported": "supported", "contradicted": "contradicted", "insufficient data": "insufficient"}
MAX_ROWS = 40
# Characters that start Markdown syntax inline; `<`, `>` and `&` are written as HTML entities instead.
MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def cell(value) -> str:
    """A value as a person reads it: thousands separators, four significant digits, ISO dates, blanks for none."""
    if hasattr(value, "item") and not isinstance(value, pandas.Timestamp):  # a numpy scalar
        value = value.item()
    if value is None or (pandas.api.types.is_scalar(value) and pandas.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1000):
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    return str(value)


def _numeric(value) -> bool:
    return isinstance(value, (int, float, numpy.number)) and not isinstance(value, (bool, numpy.bool_))


# --- HTML ---------------------------------------------------------------------------------------

def e(text) -> str:
    return html.escape(str(text), quote=True)


def badge(verdict: str) -> str:
    return f'<span class="verdict {BADGE.get(verdict, "insufficient")}">{e(verdict)}</span>'


def html_table(frame: pandas.DataFrame, max_rows: int = MAX_ROWS, lists: tuple[str, ...] = ()) -> str:
    """A table; the columns named in `lists` hold comma-separated items (dates) kept whole on wrapping."""
    if frame.empty:
        return '<p class="muted">No rows.</p>'
    head = "".join(f"<th>{e(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.head(max_rows).itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            if column in lists:
                text = ", ".join(f'<span class="nw">{e(item)}</span>' for item in cell(value).split(", "))
            else:
                text = e(cell(value))
            cells.append(f'<td class="num">{text}</td>' if _numeric(value) else f"<td>{text}</td>")
        rows.append("".join(cells))
    more = f'<p class="muted">{len(frame) - max_rows:,} more rows in the CSV.</p>' if len(frame) > max_rows else ""
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>{more}'


def html_figure(png: bytes, alt: str, caption: str, links: dict[str, str]) -> str:
    data = base64.b64encode(png).decode("ascii")
    linked = " · ".join(f'<a href="{e(path)}">{e(label)}</a>' for label, path in links.items())
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{e(alt)}">'
            f"<figcaption>{e(caption)} · {linked}</figcaption></figure>")


def html_claim(result: Verdict, figure_html: str) -> str:
    claim = result.claim
    figures = [("Verdict", badge(result.verdict) + " " + e(result.reason)), ("Measured", e(result.measured)),
               ("The report's figure", e(result.reported)), ("Snapshot date", e(result.snapshot_date or "none")),
               ("Method", e(claim.method))]
    rows = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in figures)
    evidence = pandas.DataFrame(result.evidence)
    return (f'<article class="claim" id="claim-{e(claim.id)}">'
            f"<h3><span>{e(claim.section)}</span> <code>{e(claim.id)}</code> {badge(result.verdict)}</h3>"
            f'<blockquote><p class="zh" lang="zh-Hans">{e(claim.statement_zh)}</p>'
            f'<p lang="en">{e(claim.statement)}</p></blockquote>'
            f'<dl class="figures">{rows}</dl>{figure_html}'
            f"<details><summary>Evidence table ({len(evidence):,} rows)</summary>{html_table(evidence)}</details>"
            "</article>")


def html_summary(results: list[Verdict]) -> str:
    if not results:
        return '<p class="muted">No claim was checked for this report.</p>'
    rows = "".join(
        f'<tr><td><a href="#claim-{e(r.claim.id)}"><code>{e(r.claim.id)}</code></a></td><td>{e(r.claim.section)}</td>'
        f'<td><span lang="zh-Hans">{e(r.claim.statement_zh)}</span><br>'
        f'<span class="muted">{e(r.claim.statement)}</span></td>'
        f"<td>{badge(r.verdict)}</td><td>{e(r.measured)}</td><td>{e(r.reported)}</td></tr>" for r in results)
    return ("<div class=\"scroll\"><table class=\"summary\"><thead><tr><th>claim</th><th>§</th><th>statement</th><th>verdict</th>"
            f"<th>measured</th><th>the report's figure</th></tr></thead><tbody>{rows}</tbody></table></div>")


# --- Markdown -----------------------------------------------------------------------------------

def md_escape(text) -> str:
    """`text` as literal Markdown inline text: no HTML (`<script>` shows as text), no emphasis, code,
    links or table cells out of it, on one line."""
    text = html.escape(" ".join(str(text).splitlines()), quote=False)
    return MD_SPECIAL.sub(r"\\\1", text)


def md_code(text) -> str:
    """`text` as a Markdown code span: fenced by more backticks than any run inside it."""
    text = " ".join(str(text).splitlines()).replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"


def md_table(frame: pandas.DataFrame, max_rows: int = MAX_ROWS) -> str:
    if frame.empty:
        return "_No rows._"
    lines = ["| " + " | ".join(md_escape(c) for c in frame.columns) + " |",
             "|" + "|".join("---:" if pandas.api.types.is_numeric_dtype(frame[c]) else "---" for c in frame) + "|"]
    lines += ["| " + " | ".join(md_escape(cell(v)) for v in record) + " |"
              for record in frame.head(max_rows).itertuples(index=False)]
    if len(frame) > max_rows:
        lines.append(f"\n_{len(frame) - max_rows:,} more rows in the CSV._")
    return "\n".join(lines)


def md_figure(alt: str, png_path: str, caption: str, links: dict[str, str]) -> str:
    linked = " · ".join(f"[{label}]({path})" for label, path in links.items())
    return f"![{md_escape(alt)}]({png_path})\n\n_{md_escape(caption)}_ · {linked}"


def md_claim(result: Verdict, figure_md: str) -> str:
    claim, evidence = result.claim, pandas.DataFrame(result.evidence)
    return "\n\n".join([
        f"### {md_escape(claim.section)} {md_code(claim.id)}: **{md_escape(result.verdict)}**",
        f"> {md_escape(claim.statement_zh)}\n>\n> {md_escape(claim.statement)}",
        (f"- **Verdict:** {md_escape(result.verdict)}: {md_escape(result.reason)}\n"
         f"- **Measured:** {md_escape(result.measured)}\n"
         f"- **The report's figure:** {md_escape(result.reported)}\n"
         f"- **Snapshot date:** {md_escape(result.snapshot_date or 'none')}\n"
         f"- **Method:** {md_escape(claim.method)}"),
        figure_md,
        f"Evidence ({len(evidence):,} rows):\n\n{md_table(evidence, 20)}",
    ])


def md_summary(results: list[Verdict]) -> str:
    if not results:
        return "_No claim was checked for this report._"
    lines = ["| claim | § | statement | verdict | measured | the report's figure |", "|---|---|---|---|---|---|"]
    lines += [f"| {md_code(r.claim.id)} | {md_escape(r.claim.section)} | {md_escape(r.claim.statement_zh)}<br>"
              f"{md_escape(r.claim.statement)} | "
              f"**{md_escape(r.verdict)}** | "
              f"{md_escape(r.measured)} | {md_escape(r.reported)} |" for r in results]
    return "\n".join(lines)
