"""Verdicts on the model-hub claims: Qwen's derivative lead, ModelScope's scale and first releases, family footprints."""

from __future__ import annotations

from collections import defaultdict

from tracker.reports.judging import (CONTRADICTED, INSUFFICIENT, SUPPORTED, Judgement, SourceStatus, count,
                                     insufficient, listed, percent, rule)
from tracker.reports.registry import Claim

Sources = dict[str, SourceStatus]


# --- qwen-derivative-leadership --------------------------------------------------------------------

@rule("derivative-leadership")
def leadership(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """Month by month from `since`, per definition; the headline definition decides."""
    hf, p = sources["huggingface"], claim.params
    if not hf.whole:
        return insufficient("huggingface was only collected narrowed (an author, search or filter): comparing "
                            "families needs a listing of the whole catalogue")
    months = month_range(p["since"], max((r["month"] for r in rows), default=None))
    if not months:
        return insufficient(f"the warehouse holds no model created since {p['since']}")
    by_definition = defaultdict(list)
    for row in rows:
        by_definition[row["definition"]].append(row)
    results = {name: judged_definition(found, months, p["family"]) for name, found in by_definition.items()}
    return _leadership_judgement(claim, results, months, by_definition[p["headline_definition"]], sources)


def month_range(since: str, last: str | None) -> list[str]:
    """The months from `since` to `last` (both YYYY-MM), inclusive."""
    if not last or last < since:
        return []
    year, month = map(int, since.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def judged_definition(rows: list[dict], months: list[str], family: str) -> dict:
    """One definition's verdict: the months another family led, months without data, the trailing lead."""
    by_month = {row["month"]: row for row in rows}
    present = [by_month[m] for m in months if m in by_month and by_month[m]["derivatives"]]
    lost = [{"month": r["month"], "leader": r["leader"], "leader_new": r["leader_new"], "family_new": r["family_new"]}
            for r in present if not r["family_leads"]]
    missing = [m for m in months if m not in by_month or not by_month[m]["derivatives"]]
    verdict = CONTRADICTED if lost else INSUFFICIENT if missing else SUPPORTED
    return {"verdict": verdict, "months": len(months), "led": len(present) - len(lost), "lost": lost,
            "missing": missing, "ahead_since": ahead_since(rows)}


def ahead_since(rows: list[dict]) -> str | None:
    """The first month from which the family led every month up to the latest, or None."""
    first = None
    for row in sorted(rows, key=lambda r: r["month"], reverse=True):
        if not row["family_leads"]:
            break
        first = row["month"]
    return first


def _leadership_judgement(claim: Claim, results: dict, months: list[str], headline_rows: list[dict],
                          sources: Sources) -> Judgement:
    p = claim.params
    family, headline = p["family"], p["headline_definition"]
    head = results[headline]
    latest = max(headline_rows, key=lambda r: r["month"])
    measured = (f"{family} led {head['led']} of {head['months']} months {months[0]}–{months[-1]} ({headline}); "
                f"ahead of every other family since {head['ahead_since'] or 'never'}; "
                f"{count(latest['family_cumulative'])} derivatives in all, {percent(latest['family_share'])} "
                f"of {latest['month']}'s")
    figures = {"family": family, "since": p["since"], "latest_month": months[-1], "headline_definition": headline,
               "family_cumulative": latest["family_cumulative"], "family_share_latest": latest["family_share"],
               "definitions": results}
    reason = " ".join([_headline_reason(head, family, headline, p["since"]), _agreement(results),
                       _coverage(headline_rows, months), _hubs_used(sources), HISTORY_BASIS])
    return Judgement(head["verdict"], reason, measured, figures)


# Which history the leadership rests on: a past month's derivatives deleted since cannot be counted this way.
HISTORY_BASIS = ("Basis: each month's new derivatives by creation month among the models the latest snapshot "
                 "lists (today's survivors); where backfilled snapshots exist, the report's History section "
                 "shows the family's share as the first snapshot after each month saw it.")


def _headline_reason(head: dict, family: str, headline: str, since: str) -> str:
    if head["lost"]:
        months = "; ".join(f"{m['month']} ({m['leader']} led with {count(m['leader_new'])}, {family} "
                           f"{count(m['family_new'])})" for m in head["lost"])
        return f"Under the {headline} definition {family} did not lead {len(head['lost'])} month(s): {months}."
    if head["missing"]:
        return (f"Under the {headline} definition {family} led every month with data, but these months have no "
                f"derivative in the warehouse: {listed(head['missing'])}.")
    return f"Under the {headline} definition {family} led every month since {since}."


def _agreement(results: dict) -> str:
    by_verdict = defaultdict(list)
    for name, result in sorted(results.items()):
        by_verdict[result["verdict"]].append(name)
    return (f"Definitions supporting the claim: {listed(by_verdict[SUPPORTED])}; contradicting it: "
            f"{listed(by_verdict[CONTRADICTED])}; without enough data: {listed(by_verdict[INSUFFICIENT])}.")


def _coverage(rows: list[dict], months: list[str]) -> str:
    shares = [r["coverage"] for r in rows if r["month"] in months and r["coverage"] is not None]
    if not shares:
        return "No month has lineage coverage."
    return (f"Lineage coverage (share of a month's new models declaring a base model): "
            f"{percent(min(shares))} to {percent(max(shares))}.")


def _hubs_used(sources: Sources) -> str:
    ms = sources["modelscope"]
    return "Both hubs counted." if ms.collected else f"Hugging Face only: {ms.missing()}."


# --- modelscope-scale ------------------------------------------------------------------------------

@rule("catalogue-scale")
def scale(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """The model count alone is testable; developers and countries stay insufficient data."""
    ms, p = sources["modelscope"], claim.params
    untestable = (f"The developer ({count(p['reported_developers'])}+) and country ({p['reported_countries']}+) "
                  f"figures are insufficient data: ModelScope's API exposes neither, so they are not estimated.")
    total, listed_models = rows[0]["measured"], rows[1]["measured"]
    basis = "ModelScope's own catalogue total"
    if total is None and ms.whole:
        total, basis = listed_models, "models listed in the warehouse"
    if total is None:
        return insufficient(f"ModelScope's latest succeeded run gave no catalogue total and listed only part of "
                            f"the catalogue. {untestable}")
    enough = total >= p["reported_models"]
    reason = (f"{basis[0].upper()}{basis[1:]} on {rows[0]['snapshot_date']}: {count(total)} models, "
              f"{'at least' if enough else 'fewer than'} the reported {count(p['reported_models'])} "
              f"(the warehouse lists {count(listed_models)}). {untestable}")
    figures = {"models": total, "basis": basis, "models_listed": listed_models, "developers": None, "countries": None}
    return Judgement(SUPPORTED if enough else CONTRADICTED, reason,
                     f"{count(total)} models; developers and countries not measurable", figures)


# --- modelscope-first-release ----------------------------------------------------------------------

@rule("first-release")
def first_release(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """Per family, the share of flagships on ModelScope first or the same day."""
    families, least = claim.params["families"], claim.params["min_share"]
    shares = {name: _first_share([r for r in rows if r["family"] == name]) for name in families}
    measured = "; ".join(f"{name} {s['first']}/{s['pairs']}" for name, s in shares.items())
    failing = [n for n, s in shares.items() if s["pairs"] and s["first"] / s["pairs"] < least]
    absent = [n for n, s in shares.items() if not s["pairs"]]
    verdict = CONTRADICTED if failing else INSUFFICIENT if absent else SUPPORTED
    reason = (f"Flagships on ModelScope first or the same day: {measured}. "
              f"Below {percent(least, 0)}: {listed(failing)}. No flagship on both hubs: {listed(absent)}.")
    return Judgement(verdict, reason, f"first on ModelScope or same day: {measured}", {"families": shares})


def _first_share(rows: list[dict]) -> dict:
    known = [r for r in rows if r["first_on"] != "unknown"]
    first = sum(r["first_on"] in ("modelscope", "same day") for r in known)
    return {"pairs": len(known), "first": first, "huggingface_first": len(known) - first}


# --- chinese-families-footprint --------------------------------------------------------------------

@rule("family-footprint")
def footprint(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """Every named family needs a published model or a derivative on some hub collected."""
    hubs = [name for name in ("huggingface", "modelscope") if sources[name].collected]
    if not hubs:
        return insufficient("; ".join(sources[name].missing() for name in ("huggingface", "modelscope")))
    totals = {name: _footprint([r for r in rows if r["family"] == name and r["hub"] in hubs])
              for name in claim.params["families"]}
    absent = [name for name, t in totals.items() if not (t["models"] or t["derivatives"])]
    measured = "; ".join(f"{n} {count(t['models'])} models, {count(t['derivatives'])} derivatives"
                         for n, t in totals.items())
    verdict = SUPPORTED if not absent else CONTRADICTED if sources["huggingface"].whole else INSUFFICIENT
    reason = (f"Hubs counted: {listed(hubs)}. Families without a footprint: {listed(absent)}."
              + ("" if sources["huggingface"].whole or not absent else
                 " Hugging Face was never listed whole, so an absent family may just not have been collected."))
    return Judgement(verdict, reason, measured, {"families": totals, "hubs": hubs})


def _footprint(rows: list[dict]) -> dict:
    return {key: sum(r[key] or 0 for r in rows) for key in ("models", "downloads_all_time", "likes", "derivatives")}

