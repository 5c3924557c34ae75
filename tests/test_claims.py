"""Claim checks: hand-built ecosystems, collected through the stand-ins, where each claim holds, fails, or lacks data."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from test_families import DAY, LLAMA, QWEN, collect_hf, collect_ms, model

from tracker.config import Config
from tracker.pipeline import CollectionFailed, collect
from tracker.reports import judging, registry
from tracker.cli_claims import check_command
from tracker.reports.check import CheckError, UnknownClaim, Verdict, run_checks
from tracker.sim.ecosystem import SimModel
from tracker.sim.github import GitHubStandIn, SimOwner, SimRepo
from tracker.sources import github_source
from tracker.warehouse import db

CLAIMS = ["china-ai-project-rank", "china-avg-stars-first", "china-developer-rank", "chinese-families-footprint",
          "github-ai-growth", "modelscope-first-release", "modelscope-scale", "qwen-derivative-leadership"]


CHECKED_AT = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)  # the check's time, as a command passes it


@pytest.fixture
def con(db_file):
    connection = db.connect(db_file)
    yield connection
    connection.close()


def check(con, claim_id: str, **options) -> Verdict:
    [verdict] = run_checks(con, [claim_id], checked_at=CHECKED_AT, **options)
    return verdict


# --- every claim -------------------------------------------------------------------------------------

def test_the_registry_holds_every_claim_of_the_spec_with_its_chinese_text():
    claims = registry.load()
    assert list(claims) == CLAIMS
    assert all(c.statement and c.statement_zh and c.method and c.reported and c.section for c in claims.values())


def test_an_empty_warehouse_gives_insufficient_data_for_every_claim_and_never_a_figure(con):
    verdicts = run_checks(con, checked_at=CHECKED_AT)

    assert [(v.claim.id, v.verdict, v.measured, v.snapshot_date) for v in verdicts] == [
        (claim, "insufficient data", "n/a", None) for claim in CLAIMS]
    assert all("was never collected (no run in the ledger)" in v.reason for v in verdicts)


# --- qwen-derivative-leadership ------------------------------------------------------------------

MONTHS = ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]


def derivatives(month: str, parent: str, count: int, owner: str, relation: str = "finetune") -> list[SimModel]:
    return [model(f"{owner}/{parent.split('/')[1]}-{relation}-{month}-{i}", f"{month}-{10 + i}", parent,
                  relation=relation) for i in range(count)]


def qwen_ahead_every_month(skip: str = "") -> list[SimModel]:
    """Three new Qwen fine-tunes and one Llama fine-tune a month, by third parties."""
    return [QWEN, LLAMA] + [m for month in MONTHS if month != skip
                            for m in derivatives(month, QWEN.model_id, 3, "fans") + derivatives(month, LLAMA.model_id, 1, "llamas")]


def test_qwen_leading_every_month_supports_the_claim_with_its_cumulative_count_and_share(con):
    collect_hf(con, qwen_ahead_every_month())
    verdict = check(con, "qwen-derivative-leadership")

    assert verdict.verdict == "supported"
    assert verdict.measured.startswith("Qwen led 6 of 6 months 2024-10–2025-03 (transitive); ahead of every other "
                                       "family since 2024-10; 18 derivatives in all, 75.0% of 2025-03's")
    assert {name: d["verdict"] for name, d in verdict.figures["definitions"].items()} == {
        name: "supported" for name in ("direct", "direct_no_quant", "transitive", "transitive_no_quant",
                                       "third_party", "third_party_no_quant")}
    march = next(r for r in verdict.evidence if r["definition"] == "transitive" and r["month"] == "2025-03")
    assert march == {"definition": "transitive", "month": "2025-03", "new_models": 4, "coverage": 1.0,
                     "derivatives": 4, "leader": "Qwen", "leader_new": 3, "family": "Qwen", "family_new": 3,
                     "family_share": 0.75, "family_cumulative": 18, "runner_up": "Llama", "runner_up_new": 1,
                     "runner_up_cumulative": 6, "family_leads": True}


def test_one_month_led_by_llama_through_fine_tunes_of_quantizations_contradicts_the_claim_naming_it(con):
    quantization = model("quants/Llama-3.1-8B-GGUF", "2024-12-20", LLAMA.model_id, relation="quantized")
    second_level = derivatives("2025-01", quantization.model_id, 4, "tuners")
    collect_hf(con, qwen_ahead_every_month() + [quantization] + second_level)
    verdict = check(con, "qwen-derivative-leadership")

    assert verdict.verdict == "contradicted"
    assert "Under the transitive definition Qwen did not lead 1 month(s): 2025-01 (Llama led with 5, Qwen 3)." in verdict.reason
    assert ("Definitions supporting the claim: direct, direct_no_quant; contradicting it: third_party, "
            "third_party_no_quant, transitive, transitive_no_quant; without enough data: none.") in verdict.reason
    definitions = verdict.figures["definitions"]
    assert definitions["transitive"]["lost"] == [{"month": "2025-01", "leader": "Llama", "leader_new": 5, "family_new": 3}]
    assert definitions["transitive"]["ahead_since"] == "2025-02"
    assert definitions["direct"]["lost"] == [] and definitions["direct"]["ahead_since"] == "2024-10"


def test_a_month_without_any_derivative_is_named_as_missing_not_guessed(con):
    collect_hf(con, qwen_ahead_every_month(skip="2025-02"))
    verdict = check(con, "qwen-derivative-leadership")

    assert verdict.verdict == "insufficient data"
    assert "these months have no derivative in the warehouse: 2025-02" in verdict.reason


def test_a_narrowed_listing_or_a_missing_hub_cannot_rank_families(con):
    collect_ms(con, [model("qwen/Qwen2.5-7B", "2024-09-14")])
    assert check(con, "qwen-derivative-leadership").reason == "huggingface was never collected (no run in the ledger)"

    collect_hf(con, qwen_ahead_every_month(), author="Qwen")
    verdict = check(con, "qwen-derivative-leadership")
    assert verdict.verdict == "insufficient data" and "only collected narrowed" in verdict.reason


# --- modelscope-scale ----------------------------------------------------------------------------

def big_modelscope(size: int) -> list[SimModel]:
    moment = datetime(2025, 1, 1)
    return [model("qwen/Qwen2.5-7B", "2024-09-14")] + [SimModel(f"user{i}/m{i}", moment) for i in range(size - 1)]


def test_a_catalogue_total_of_70000_supports_the_count_and_leaves_developers_and_countries_untested(con):
    collect_ms(con, big_modelscope(70_001), owner="qwen")  # the service's total covers the whole catalogue
    verdict = check(con, "modelscope-scale")

    assert (verdict.verdict, verdict.measured) == ("supported", "70,001 models; developers and countries not measurable")
    assert "insufficient data: ModelScope's API exposes neither" in verdict.reason
    assert [(r["measure"], r["measured"], r["reported"]) for r in verdict.evidence] == [
        ("models (ModelScope's own total)", 70_001, 70_000), ("models listed in the warehouse", 1, 70_000),
        ("developers", None, 16_000_000), ("countries of developers", None, 30)]


def test_a_smaller_catalogue_contradicts_it_and_no_modelscope_run_lacks_data(con):
    collect_hf(con, [QWEN])
    assert check(con, "modelscope-scale").reason == "modelscope was never collected (no run in the ledger)"

    collect_ms(con, big_modelscope(300))
    verdict = check(con, "modelscope-scale")
    assert (verdict.verdict, verdict.figures["models"]) == ("contradicted", 300)
    assert "300 models, fewer than the reported 70,000" in verdict.reason


def test_a_source_whose_runs_all_failed_lacks_data_with_the_last_error(con):
    with pytest.raises(CollectionFailed):
        collect_ms(con, big_modelscope(100), page_size=60)  # the service refuses pages of more than 50
    verdict = check(con, "modelscope-scale")

    assert verdict.verdict == "insufficient data"
    assert verdict.reason.startswith("modelscope has no succeeded run (1 run(s); last error: ")
    assert "'page_size' is invalid: must be <= 50" in verdict.reason


# --- modelscope-first-release --------------------------------------------------------------------

FLAGSHIPS = {"Qwen/Qwen2.5-7B": ("qwen/Qwen2.5-7B", -1), "deepseek-ai/DeepSeek-V3": ("deepseek-ai/DeepSeek-V3", 0),
             "MiniMaxAI/MiniMax-Text-01": ("MiniMax/MiniMax-Text-01", -2), "Wan-AI/Wan2.1-T2V-14B": ("Wan-AI/Wan2.1-T2V-14B", -1)}


def both_hubs(con, offsets: dict[str, int], left_out: str = "") -> None:
    """Each flagship on Hugging Face on 2025-01-10 and on ModelScope `offsets` days from then."""
    collect_hf(con, [model(hf, "2025-01-10") for hf in FLAGSHIPS] + [model("someone/else", "2025-01-10")])
    collect_ms(con, [model(ms, (date(2025, 1, 10) + timedelta(days=offsets.get(hf, default))).isoformat())
                     for hf, (ms, default) in FLAGSHIPS.items() if hf != left_out])


def test_flagships_first_on_modelscope_or_the_same_day_support_the_claim(con):
    both_hubs(con, {})
    verdict = check(con, "modelscope-first-release")

    assert verdict.verdict == "supported"
    assert verdict.measured == "first on ModelScope or same day: Qwen 1/1; DeepSeek 1/1; MiniMax 1/1; Wan 1/1"
    assert [(r["family"], r["ms_model_id"], r["first_on"]) for r in verdict.evidence] == [
        ("DeepSeek", "deepseek-ai/DeepSeek-V3", "same day"), ("MiniMax", "MiniMax/MiniMax-Text-01", "modelscope"),
        ("Qwen", "qwen/Qwen2.5-7B", "modelscope"), ("Wan", "Wan-AI/Wan2.1-T2V-14B", "modelscope")]


def test_a_family_first_on_hugging_face_contradicts_it_and_a_family_on_one_hub_lacks_data(con, tmp_path):
    both_hubs(con, {"deepseek-ai/DeepSeek-V3": 3})
    verdict = check(con, "modelscope-first-release")
    assert verdict.verdict == "contradicted" and "Below 50%: DeepSeek." in verdict.reason

    other = db.connect(tmp_path / "other.duckdb")
    both_hubs(other, {}, left_out="Wan-AI/Wan2.1-T2V-14B")
    verdict = check(other, "modelscope-first-release")
    assert verdict.verdict == "insufficient data" and "No flagship on both hubs: Wan." in verdict.reason


# --- chinese-families-footprint ------------------------------------------------------------------

NAMED_BASES = ["Qwen/Qwen2.5-7B", "deepseek-ai/DeepSeek-V3", "MiniMaxAI/MiniMax-Text-01",
               "tencent/Hunyuan-7B-Instruct", "baidu/ERNIE-4.5-0.3B-PT", "moonshotai/Kimi-K2-Instruct"]


def named_families(without: str = "") -> list[SimModel]:
    return [m for base in NAMED_BASES if not base.startswith(without or "-")
            for m in [model(base, "2025-01-01", likes=10, downloads=100, downloads_all_time=900)] + derivatives("2025-02", base, 2, "fans")]


def test_every_named_family_with_models_or_derivatives_supports_the_footprint(con):
    collect_hf(con, named_families())
    verdict = check(con, "chinese-families-footprint")

    assert verdict.verdict == "supported"
    assert verdict.evidence[0] == {"family": "Qwen", "country": "CN", "hub": "huggingface", "models": 1, "downloads_all_time": 900, "likes": 10,
                                   "derivatives": 2, "model_share": 0.055556, "derivative_share": 0.166667}


def test_a_family_absent_from_a_whole_listing_contradicts_it_and_a_narrowed_one_lacks_data(con, tmp_path):
    collect_hf(con, named_families(without="moonshotai"))
    verdict = check(con, "chinese-families-footprint")
    assert verdict.verdict == "contradicted" and "Families without a footprint: Kimi." in verdict.reason

    other = db.connect(tmp_path / "other.duckdb")
    collect_hf(other, named_families(), author="Qwen")
    assert check(other, "chinese-families-footprint").verdict == "insufficient data"


# --- GitHub claims -------------------------------------------------------------------------------

PLACES = {"us": "San Francisco, CA", "fr": "Paris, France", "de": "Berlin, Germany", "in": "Bangalore, India",
          "cn": "Beijing, China", "jp": "Tokyo, Japan", "xx": "Mars"}


def world(repos_by_place: dict[str, list[int]], year: int = 2025) -> tuple[list[SimRepo], list[SimOwner]]:
    """One user per place, owning one AI repository per star count given."""
    repos = [SimRepo(len(PLACES) * 1000 + i * 100 + j, f"{place}-dev/r{j}", datetime(year, 3, 1) + timedelta(hours=i * 100 + j),
                     stars, topics=("llm",))
             for i, (place, stars_list) in enumerate(repos_by_place.items()) for j, stars in enumerate(stars_list)]
    return repos, [SimOwner(f"{place}-dev", location=PLACES[place]) for place in repos_by_place]


def collect_github(con, repos, owners, first_year: int = 2026):
    with GitHubStandIn(repos, owners, search_limit=10_000, core_limit=10_000) as hub:
        config = Config()
        config.github.api_url, config.github.retry_wait, config.github.first_year = hub.url, 0.01, first_year
        return collect(con, github_source(config, con, DAY), snapshot_date=DAY)


def test_china_fourth_after_the_us_europe_as_one_region_and_india_supports_the_rank(con):
    collect_github(con, *world({"us": [200] * 8, "fr": [200] * 3, "de": [200] * 3, "in": [200] * 5,
                                "cn": [200] * 4, "jp": [200] * 2, "xx": [200] * 3}))
    verdict = check(con, "china-ai-project-rank")

    assert verdict.verdict == "supported"
    assert verdict.measured == "China 4th with 4 repositories; ahead: United States, Europe, India; unknown location: 10.7%"
    assert [(r["region"], r["repositories"], r["rank"]) for r in verdict.evidence] == [
        ("United States", 8, 1), ("Europe", 6, 2), ("India", 5, 3), ("China", 4, 4), ("Japan", 2, 5),
        ("(unknown)", 3, None)]


def test_china_second_contradicts_the_rank_and_no_known_location_lacks_data(con, tmp_path):
    collect_github(con, *world({"us": [200] * 8, "fr": [200] * 3, "in": [200] * 5, "cn": [200] * 7}))
    verdict = check(con, "china-ai-project-rank")
    assert verdict.verdict == "contradicted" and "China ranks 2nd of 4 regions" in verdict.reason

    other = db.connect(tmp_path / "other.duckdb")
    collect_github(other, *world({"xx": [200] * 3}))
    verdict = check(other, "china-ai-project-rank")
    assert verdict.verdict == "insufficient data" and "100.0% of repositories have an unknown location" in verdict.reason


def test_china_first_by_mean_stars_supports_the_average_claim(con):
    collect_github(con, *world({"us": [1_000] * 8, "fr": [800] * 6, "in": [300] * 5, "cn": [5_000] * 5, "jp": [9_000] * 2}))
    verdict = check(con, "china-avg-stars-first")

    assert verdict.verdict == "supported"
    assert verdict.measured == "China 1st by mean (5,000.0 stars), 1st by median (5,000.0)"
    assert next(r for r in verdict.evidence if r["region"] == "Japan")["rank_by_mean"] is None  # too few to rank


def test_a_mean_one_repository_dominates_contradicts_it_and_is_shown_beside_the_median(con, tmp_path):
    collect_github(con, *world({"us": [100_000] + [150] * 7, "in": [300] * 5, "cn": [5_000] * 5}))
    verdict = check(con, "china-avg-stars-first")

    assert verdict.verdict == "contradicted"
    assert (verdict.figures["rank_by_mean"], verdict.figures["rank_by_median"]) == (2, 1)
    assert "more than 50% of their stars: United States (us-dev/r0: 99%)" in verdict.reason
    us = verdict.evidence[0]
    assert (us["region"], us["mean_stars"], us["median_stars"], us["dominated"]) == ("United States", 12631.3, 150.0, True)

    other = db.connect(tmp_path / "other.duckdb")
    collect_github(other, *world({"us": [1_000] * 8, "cn": [5_000] * 2}))
    verdict = check(other, "china-avg-stars-first")
    assert verdict.verdict == "insufficient data" and verdict.reason.startswith("China has 2 AI repositories")


def developers(years, per_place: dict[str, int], extra: dict[int, dict[str, int]] | None = None):
    """Per year, `per_place` developers in each place (plus `extra` that year), each owning a repository created then."""
    repos, owners = [], []
    for year in years:
        for place, count in {**per_place, **(extra or {}).get(year, {})}.items():
            for n in range(count):
                login = f"{place}-{year}-{n}"
                owners.append(SimOwner(login, location=PLACES[place]))
                repos.append(SimRepo(len(repos) + 1, f"{login}/tool", datetime(year, 6, 1, n), 150, topics=("llm",)))
    return repos, owners


def test_china_second_or_third_behind_the_us_and_india_every_year_supports_the_developer_rank(con):
    collect_github(con, *developers(range(2019, 2025), {"us": 3, "cn": 2, "in": 1}))
    verdict = check(con, "china-developer-rank")

    assert verdict.verdict == "supported"
    assert verdict.measured == "China 2019 2nd; 2020 2nd; 2021 2nd; 2022 2nd; 2023 2nd; 2024 2nd"


def test_a_year_with_another_country_ahead_contradicts_it_and_missing_years_lack_data(con, tmp_path):
    collect_github(con, *developers(range(2019, 2025), {"us": 3, "cn": 2, "in": 1}, extra={2021: {"jp": 3}}))
    verdict = check(con, "china-developer-rank")
    assert verdict.verdict == "contradicted" and "Years breaking the claim (rank not in [2, 3] or a country other " \
                                                  "than US, IN ahead): 2021;" in verdict.reason

    other = db.connect(tmp_path / "other.duckdb")
    collect_github(other, *developers(range(2021, 2025), {"us": 3, "cn": 2}))
    verdict = check(other, "china-developer-rank")
    assert verdict.verdict == "insufficient data" and "years without a developer of known country: 2019, 2020" in verdict.reason


def ai_repositories_by_year() -> list[SimRepo]:
    """100 a year 2011–2022, 1,800 in 2023 (3,000 in all) and 1,200 in 2024 (4,200: +40%); none above the threshold."""
    created = [year for year in range(2011, 2023) for _ in range(100)] + [2023] * 1_800 + [2024] * 1_200
    return [SimRepo(i + 1, f"lab/r{i}", datetime(year, 1, 1) + timedelta(minutes=i), 3, topics=("llm",))
            for i, year in enumerate(created)]


def test_growth_is_judged_by_order_of_magnitude_and_rate_against_the_claimed_figures(con):
    collect_github(con, ai_repositories_by_year(), [SimOwner("lab", "Organization")], first_year=2011)
    real = check(con, "github-ai-growth")
    claim = registry.load()["github-ai-growth"]
    scaled = replace(claim, params={**claim.params, "reported_total": 4_300})  # the same trend, a thousand times smaller
    verdict = check(con, "github-ai-growth", claims={claim.id: scaled})

    assert real.verdict == "contradicted" and "another order of magnitude" in real.reason
    assert verdict.verdict == "supported"
    assert verdict.measured == "4,200 AI repositories by 2024, +40.0% in 2024"
    # After 2024 nothing is created, up to the year of the snapshot (DAY), whatever the day the test runs on.
    assert [(r["year"], r["created"], r["cumulative"]) for r in verdict.evidence if r["year"] >= 2024] == [
        (2024, 1_200, 4_200)] + [(year, 0, 4_200) for year in range(2025, DAY.year + 1)]


def test_growth_lacks_data_when_the_years_before_the_first_counted_are_missing(con):
    collect_github(con, ai_repositories_by_year(), [SimOwner("lab", "Organization")], first_year=2020)
    verdict = check(con, "github-ai-growth")

    assert verdict.verdict == "insufficient data"
    assert verdict.reason.startswith("GitHub search totals are missing or partial for 2011–2019")


# --- a new kind of judgement ---------------------------------------------------------------------

def test_a_new_kind_of_judgement_is_one_registered_rule_that_a_claims_toml_names(con, monkeypatch):
    monkeypatch.setitem(judging.RULES, "rows-counted", None)  # the rule below is registered for this test only

    @judging.rule("rows-counted")
    def rows_counted(claim, rows, sources):
        return judging.Judgement(judging.SUPPORTED, f"{len(rows)} evidence rows", f"{len(rows)} rows")

    collect_ms(con, big_modelscope(300), day=date(2026, 11, 1))
    claim = replace(registry.load()["modelscope-scale"], id="modelscope-rows", rule="rows-counted")
    [verdict] = run_checks(con, claims={claim.id: claim}, checked_at=CHECKED_AT)

    assert (verdict.verdict, verdict.measured) == ("supported", f"{len(verdict.evidence)} rows")
    assert verdict.evidence and verdict.reason.startswith(f"{len(verdict.evidence)} evidence rows")


def test_a_rule_giving_a_verdict_of_its_own_stops_the_check_naming_it_and_stores_nothing(con, monkeypatch):
    monkeypatch.setitem(judging.RULES, "undecided", lambda claim, rows, sources: judging.Judgement("maybe", "unsure"))
    claim = replace(registry.load()["modelscope-scale"], id="modelscope-maybe", rule="undecided", sources=())

    with pytest.raises(CheckError) as stopped:
        run_checks(con, claims={claim.id: claim}, checked_at=CHECKED_AT)
    assert str(stopped.value) == ("reports/claims/modelscope-maybe.toml: its rule 'undecided' gave the verdict "
                                  "'maybe', not one of: supported, contradicted, insufficient data")
    assert con.execute("SELECT count(*) FROM claim_verdicts").fetchone() == (0,)


# --- the command ---------------------------------------------------------------------------------

def test_check_prints_a_table_and_json_and_the_history_shows_how_a_verdict_changed(con):
    collect_ms(con, big_modelscope(300), day=date(2026, 11, 1))
    table = io.StringIO()
    assert check_command(con, "modelscope-scale", "table", None, table, checked_at=CHECKED_AT) == 0
    collect_ms(con, big_modelscope(70_001), day=date(2026, 11, 2), owner="qwen")
    shown = io.StringIO()
    assert check_command(con, None, "json", None, shown, checked_at=CHECKED_AT + timedelta(days=1)) == 0
    history = io.StringIO()
    assert check_command(con, None, "json", "modelscope-scale", history, checked_at=CHECKED_AT) == 0

    header, row, gap, reason = table.getvalue().splitlines()
    assert header.split() == ["claim", "verdict", "snapshot", "measured", "reported"]
    assert " ".join(row.split()) == ("modelscope-scale contradicted 2026-11-01 300 models; developers and countries "
                                     "not measurable 70,000+ models; 16,000,000+ developers; 30+ countries")
    assert (gap, reason.split(". ")[0]) == ("", "modelscope-scale: contradicted")
    assert [v["claim_id"] for v in json.loads(shown.getvalue())] == CLAIMS
    assert [(h["verdict"], h["snapshot_date"], h["figures"]["models"]) for h in json.loads(history.getvalue())] == [
        ("contradicted", "2026-11-01", 300), ("supported", "2026-11-02", 70_001)]


def test_a_malformed_family_file_stops_the_check_naming_file_and_line_and_stores_nothing(con, tmp_path, monkeypatch):
    (tmp_path / "families.csv").write_text("pattern,family,note\nQwen/*\n", encoding="utf-8")
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path))

    with pytest.raises(CheckError) as stopped:
        run_checks(con, checked_at=CHECKED_AT)
    assert str(stopped.value) == (f"{tmp_path / 'families.csv'}, line 2: expected 3 fields (pattern,family,note), "
                                  "found 1")
    assert con.execute("SELECT count(*) FROM claim_verdicts").fetchone() == (0,)


def test_an_unknown_claim_is_named_and_a_read_only_warehouse_cannot_be_checked(con, db_file):
    with pytest.raises(UnknownClaim, match="unknown claim 'no-such-claim'"):
        check_command(con, "no-such-claim", "table", None, io.StringIO(), checked_at=CHECKED_AT)
    con.close()
    reader = db.connect(db_file, read_only=True)
    with pytest.raises(CheckError):
        check_command(reader, None, "table", None, io.StringIO(), checked_at=CHECKED_AT)
