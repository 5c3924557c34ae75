"""Verdicts on the GitHub claims: AI project growth, China's rank by projects, by stars and by developers."""

from __future__ import annotations

import math
from collections import defaultdict

from tracker.reports.judging import (CONTRADICTED, INSUFFICIENT, SUPPORTED, Judgement, SourceStatus, count,
                                     insufficient, listed, percent, rule)
from tracker.reports.registry import Claim

Sources = dict[str, SourceStatus]
UNKNOWN = "(unknown)"


def ordinal(rank: int | None) -> str:
    if rank is None:
        return "unranked"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


# --- github-ai-growth ------------------------------------------------------------------------------

@rule("repository-growth")
def growth(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """The trend: the same power of ten as the claimed total, and growth near the claimed rate."""
    p = claim.params
    years = {row["year"]: row for row in rows}
    wanted = range(p["first_claimed_year"], p["claimed_year"] + 1)
    missing = [y for y in wanted if y not in years or not years[y]["complete"]]
    if missing:
        return insufficient(f"GitHub search totals are missing or partial for {_span(missing)}: the running total "
                            f"needs every year from {p['first_claimed_year']} (github.first_year) to "
                            f"{p['claimed_year']}, counted whole")
    row = years[p["claimed_year"]]
    total, rate = row["cumulative"], row["growth"]
    same_order = total > 0 and math.floor(math.log10(total)) == math.floor(math.log10(p["reported_total"]))
    near = rate is not None and abs(rate - p["reported_growth"]) <= p["growth_tolerance"] * p["reported_growth"]
    figures = {"total": total, "growth": rate, "first_year_total": years[p["first_claimed_year"]]["cumulative"],
               "definition": row["definition"], "same_order_of_magnitude": same_order, "growth_within_tolerance": near}
    return Judgement(SUPPORTED if same_order and near else CONTRADICTED, _growth_reason(p, figures, rows),
                     f"{count(total)} AI repositories by {p['claimed_year']}, {_signed(rate)} in {p['claimed_year']}",
                     figures)


def _growth_reason(p: dict, f: dict, rows: list[dict]) -> str:
    ratio = f["total"] / p["reported_total"]
    order = "the same order of magnitude" if f["same_order_of_magnitude"] else "another order of magnitude"
    band = "within" if f["growth_within_tolerance"] else "outside"
    flagged = [str(r["year"]) for r in rows if r["incomplete_results"]]
    return (f"Running total of AI repositories by the end of {p['claimed_year']}: {count(f['total'])} "
            f"({ratio:.2g}× the reported {count(p['reported_total'])}: {order}); growth in {p['claimed_year']} "
            f"{_signed(f['growth'])} against the reported {_signed(p['reported_growth'])} ({band} "
            f"±{percent(p['growth_tolerance'], 0)} of it); {p['first_claimed_year']}: {count(f['first_year_total'])} "
            f"against about {count(p['reported_first_year'])}. Definition: {f['definition']}; the AI Index's differs, "
            f"so the trend is judged, not the figures."
            + (f" GitHub flagged its counts of {listed(flagged)} as incomplete." if flagged else ""))


def _signed(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:+.1f}%"


def _span(years: list[int]) -> str:
    return f"{years[0]}–{years[-1]}" if len(years) > 2 and years[-1] - years[0] == len(years) - 1 else listed(
        map(str, years))


# --- china-ai-project-rank -------------------------------------------------------------------------

@rule("project-rank")
def project_rank(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """China's region by number of AI repositories, and which regions are ahead of it."""
    p = claim.params
    located = [row for row in rows if row["rank"] is not None]
    unknown = _unknown_share(rows, "share")
    if not located:
        return insufficient(f"no AI repository owner has a known country ({percent(unknown)} of repositories "
                            f"have an unknown location)", unknown_share=unknown)
    china = next((row for row in located if row["region"] == p["region"]), None)
    size = china["repositories"] if china else 0
    ahead = [row["region"] for row in located if row["repositories"] > size]
    rank = china["rank"] if china else None
    verdict = SUPPORTED if rank == p["expected_rank"] and set(ahead) == set(p["ahead"]) else CONTRADICTED
    measured = (f"{p['region']} {ordinal(rank)} with {count(size)} repositories; ahead: {listed(ahead)}; "
                f"unknown location: {percent(unknown)}")
    reason = (f"{p['region']} ranks {ordinal(rank)} of {len(located)} regions by AI repositories with a known owner "
              f"location (reported: {ordinal(p['expected_rank'])} after {listed(p['ahead'])}); regions ahead: "
              f"{listed(ahead)}. {percent(unknown)} of repositories have an owner of unknown location.")
    return Judgement(verdict, reason, measured, {"rank": rank, "repositories": size, "ahead": ahead,
                                                 "unknown_share": unknown})


def _unknown_share(rows: list[dict], column: str) -> float:
    return next((row[column] for row in rows if row["region"] == UNKNOWN), 0.0) or 0.0


# --- china-avg-stars-first -------------------------------------------------------------------------

@rule("average-stars")
def average_stars(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """The rank of China's mean stars per repository, with the median's rank and dominance beside it."""
    p = claim.params
    total = sum(row["repositories"] for row in rows) or 1
    unknown = next((row["repositories"] for row in rows if row["region"] == UNKNOWN), 0) / total
    china = next((row for row in rows if row["region"] == p["region"]), None)
    if not china or china["rank_by_mean"] is None:
        return insufficient(f"{p['region']} has {china['repositories'] if china else 0} AI repositories with a "
                            f"known owner location, fewer than the {p['min_repositories']} needed to rank it",
                            unknown_share=unknown)
    ranked = sorted((row for row in rows if row["rank_by_mean"] is not None), key=lambda r: r["rank_by_mean"])
    dominated = [f"{r['region']} ({r['top_repository']}: {percent(r['top_share'], 0)})" for r in ranked if r["dominated"]]
    figures = {"rank_by_mean": china["rank_by_mean"], "rank_by_median": china["rank_by_median"],
               "mean_stars": china["mean_stars"], "median_stars": china["median_stars"],
               "dominated": china["dominated"], "top_share": china["top_share"], "unknown_share": unknown}
    leader = ranked[0]
    reason = (f"By mean stars {p['region']} ranks {ordinal(china['rank_by_mean'])} of {len(ranked)} regions "
              f"({china['mean_stars']:,}; first: {leader['region']}, {leader['mean_stars']:,}); by median it ranks "
              f"{ordinal(china['rank_by_median'])} ({china['median_stars']:,}). Regions whose top repository holds "
              f"more than {percent(p['dominance_share'], 0)} of their stars: {listed(dominated)}. "
              f"{percent(unknown)} of repositories have an owner of unknown location.")
    measured = (f"{p['region']} {ordinal(china['rank_by_mean'])} by mean ({china['mean_stars']:,} stars), "
                f"{ordinal(china['rank_by_median'])} by median ({china['median_stars']:,})")
    return Judgement(SUPPORTED if china["rank_by_mean"] == 1 else CONTRADICTED, reason, measured, figures)


# --- china-developer-rank --------------------------------------------------------------------------

@rule("developer-rank")
def developer_rank(claim: Claim, rows: list[dict], sources: Sources) -> Judgement:
    """China's rank by developers each year, with only the allowed countries ahead."""
    p = claim.params
    by_year = defaultdict(list)
    for row in rows:
        by_year[row["year"]].append(row)
    years = {year: _year_rank(by_year.get(year, []), p) for year in range(p["first_year"], p["last_year"] + 1)}
    missing = [y for y, r in years.items() if r is None]
    broken = [y for y, r in years.items() if r and not r["holds"]]
    verdict = CONTRADICTED if broken else INSUFFICIENT if missing else SUPPORTED
    shown = "; ".join(f"{y} {ordinal(r['rank'])}" if r else f"{y} no data" for y, r in years.items())
    unknown = [r["unknown_share"] for r in years.values() if r]
    reason = (f"China's rank by developers owning AI repositories created that year: {shown}. Years breaking "
              f"the claim (rank not in {p['ranks']} or a country other than {listed(p['ahead'])} ahead): "
              f"{listed(map(str, broken))}; years without a developer of known country: {listed(map(str, missing))}."
              + (f" Developers of unknown location: {percent(min(unknown))} to {percent(max(unknown))} a year."
                 if unknown else ""))
    return Judgement(verdict, reason, f"China {shown}", {"years": {str(y): r for y, r in years.items()}})


def _year_rank(rows: list[dict], p: dict) -> dict | None:
    located = [row for row in rows if row["rank"] is not None]
    if not located:
        return None
    china = next((row for row in located if row["country_code"] == p["country_code"]), None)
    size = china["developers"] if china else 0
    ahead = [row["country_code"] for row in located if row["developers"] > size]
    rank = china["rank"] if china else None
    unknown = next((row["share"] for row in rows if row["rank"] is None), 0.0)
    return {"rank": rank, "developers": size, "ahead": ahead, "unknown_share": unknown,
            "holds": rank in p["ranks"] and set(ahead) <= set(p["ahead"])}
