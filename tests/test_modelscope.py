"""The ModelScope collector: the real modelscope SDK against a stand-in written from ModelScope's OpenAPI
description, into a real DuckDB warehouse. Every reply the stand-in serves is checked against the spec."""

from __future__ import annotations

import csv
import logging
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from importlib.resources import files

import pytest

from tracker import pipeline, sources
from tracker.collectors import modelscope
from tracker.collectors.records import CatalogueIncomplete, CollectorError
from tracker.config import Config, HuggingFace
from tracker.pipeline import CollectionFailed, Source
from tracker.sim import modelscope_spec
from tracker.sim.ecosystem import GeneratedEcosystem, SimModel
from tracker.sim.huggingface import HubStandIn
from tracker.sim.modelscope import LISTING, ModelScopeStandIn, license_of, ms_tags
from tracker.sim.modelscope_catalogue import RealisticCatalogue
from tracker.warehouse import db, reference

# After three of the bases ModelScope hosts (Qwen2-VL, Qwen2.5-7B and its Instruct): no child predates
# its parents, and a merge always finds two distinct ones.
START = datetime(2024, 9, 17, tzinfo=timezone.utc)
DAY = date(2026, 11, 2)
FAST = {"readme_pause": 0.0, "retry_wait": 0.01}


@pytest.fixture
def con(db_file):
    connection = db.connect(db_file)
    yield connection
    connection.close()


def modelscope_source(url: str, con=None, **options) -> Source:
    """The `modelscope` source as tracker/sources.py builds it from configuration, pointed at the stand-in."""
    config = Config()
    config.modelscope.endpoint = url
    for key, value in {**FAST, **options}.items():
        setattr(config.modelscope, key, value)
    return sources.modelscope_source(config, con)


def collect(con, hub, day: date = DAY, **options):
    return pipeline.collect(con, modelscope_source(hub.url, con, **options), snapshot_date=day)


def catalogue(size: int, seed: int = 11) -> list[SimModel]:
    return list(RealisticCatalogue(size, seed=seed, start=START))


def assert_served_per_spec(hub: ModelScopeStandIn) -> None:
    """Every reply conforms to the schema the description gives for its operation and status."""
    problems = [problem for operation, status, body in hub.served
                for problem in modelscope_spec.problems(operation, status, body)]
    assert hub.served and problems == []


def naive(moment: datetime) -> datetime:
    """A timestamp as the warehouse holds a ModelScope one: UTC, whole seconds."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


def model_rows(con, ids: list[str]) -> list[tuple]:
    return con.execute(
        "SELECT model_id, author, created_at, last_modified, pipeline_tag, library_name, license, tags, gated, "
        "private, s.downloads, s.downloads_all_time, s.likes FROM models JOIN model_snapshots s USING (hub, model_id) "
        "WHERE hub = 'modelscope' AND list_contains($ids, model_id) ORDER BY model_id", {"ids": ids}).fetchall()


def expected_row(model: SimModel) -> tuple:
    # ModelScope's download count is all-time: the 30-day column stays empty.
    return (model.model_id, model.author, naive(model.created_at), naive(model.last_modified), model.pipeline_tag,
            model.library_name, license_of(model), ms_tags(model), "false", False,
            None, model.downloads_all_time, model.likes)


def expected_lineage(models) -> set[tuple]:
    """A readme's base_model names no relation: every edge is `unknown`, read from the card."""
    return {(model.model_id, parent, "unknown", "card") for model in models for parent in model.parents}


def lineage(con) -> set[tuple]:
    return set(con.execute("SELECT child_id, parent_id, relation, provenance FROM lineage WHERE hub = 'modelscope'")
               .fetchall())


def run_row(con) -> tuple:
    return con.execute("SELECT status, pages, records, catalog_total, cursor, error FROM runs "
                       "ORDER BY run_id DESC LIMIT 1").fetchone()


def readme_requests(hub) -> list[str]:
    return [r.path[len(LISTING) + 1:] for r in hub.log if r.path.startswith(LISTING + "/")]


def listed_ids(settings: modelscope.Settings) -> list[str]:
    return [record["model_id"] for page in modelscope.fetch_model_pages(settings)
            for record in page.records["models"]]


def test_a_hub_of_realistic_models_deeper_than_the_window_is_listed_whole_with_its_readme_lineage(con):
    models = catalogue(4_500)
    with ModelScopeStandIn(models) as hub:
        summary = collect(con, hub, readme_budget=10_000)
        searches = [r.arg("search") for r in hub.requests_to(LISTING) if r.path == LISTING and r.arg("search")]
        assert_served_per_spec(hub)

    assert len({m.author for m in models}) > 200 and not any(m.author.startswith("user") for m in models)
    assert (summary.status, summary.records) == ("succeeded", 4_500)
    assert run_row(con)[2:4] == (4_500, 4_500)
    ids = {row[0] for row in con.execute("SELECT model_id FROM models WHERE hub = 'modelscope'").fetchall()}
    assert ids == {model.model_id for model in models}
    assert searches and not any("/" in search for search in searches)  # never a match inside the joined id
    sample = [models[i] for i in (0, 1, 11, 12, 13, 2_345, 4_499)]
    assert model_rows(con, [m.model_id for m in sample]) == sorted(expected_row(m) for m in sample)
    assert lineage(con) == expected_lineage(models)
    assert con.execute("SELECT count(*) FROM readme_reads").fetchone() == (4_500,)


def test_an_owner_with_more_models_than_one_window_is_listed_whole():
    moment = datetime(2025, 1, 1, tzinfo=timezone.utc)
    names = ["Qwen2.5-7B-Instruct", "glm-4-9b-chat", "Llama-3.1-8B", "Baichuan2-13B", "Yi-1.5-9B"]
    models = ([SimModel(f"AI-ModelScope/{names[i % 5]}-ft-v{i}", moment + timedelta(minutes=i)) for i in range(3_100)]
              + [SimModel(name, moment) for name in ("AI-ModelScope/ai", "ModelScope/other", "not-AI-ModelScope/x")]
              + [SimModel(f"zhang-lab{i}/Qwen2.5-7B-Instruct-ft-v{i}", moment) for i in range(40)])
    with ModelScopeStandIn(models) as hub:
        ids = listed_ids(modelscope.Settings(endpoint=hub.url, readme_lineage=False))
        assert_served_per_spec(hub)

    assert sorted(ids) == sorted(model.model_id for model in models)  # each one exactly once


@pytest.mark.parametrize("search", ["spec", "joined"])
def test_the_listing_is_the_same_whether_search_also_matches_across_the_joined_id(search):
    models = catalogue(3_300, seed=4)
    with ModelScopeStandIn(models, search=search) as hub:
        ids = listed_ids(modelscope.Settings(endpoint=hub.url, readme_lineage=False))

    assert sorted(ids) == sorted(model.model_id for model in models)


def test_a_search_that_narrows_nothing_lists_what_it_can_then_raises_incomplete():
    models = catalogue(13_000, seed=5)
    listed = []
    with ModelScopeStandIn(models, search="ignored") as hub:
        with pytest.raises(CatalogueIncomplete) as incomplete:
            for page in modelscope.fetch_model_pages(modelscope.Settings(endpoint=hub.url, readme_lineage=False)):
                listed += [record["model_id"] for record in page.records["models"]]
        assert_served_per_spec(hub)

    assert 3_000 <= len(listed) == len(set(listed)) < 13_000  # the windows of each sort order, once each
    assert set(listed) <= {model.model_id for model in models}
    assert f"listed {len(listed)} of the 13000 models" in str(incomplete.value)
    assert "search does not narrow the listing" in str(incomplete.value)


def test_a_run_whose_search_narrows_nothing_ends_incomplete_and_marks_no_model_gone(con):
    models = catalogue(9_000, seed=6)  # more than the four sort orders' 3,000-deep windows can reach
    with ModelScopeStandIn(models[:2_000]) as hub:
        collect(con, hub, day=DAY - timedelta(days=1), readme_lineage=False)
    with ModelScopeStandIn(models, search="ignored") as hub:
        summary = collect(con, hub, readme_lineage=False)

    assert summary.status == "incomplete"
    assert run_row(con)[0] == "incomplete" and "search does not narrow the listing" in run_row(con)[5]
    assert con.execute("SELECT count(*) FROM models WHERE gone_since IS NOT NULL").fetchone() == (0,)


def test_readmes_are_read_only_for_models_new_or_changed_since_their_last_reading(con):
    models = catalogue(320, seed=7)
    changed = {models[i].model_id: models[i].last_modified + timedelta(days=40) for i in (5, 60, 299)}
    with ModelScopeStandIn(models[:300]) as hub:
        collect(con, hub, day=DAY - timedelta(days=1))
        first = readme_requests(hub)
    with ModelScopeStandIn(models, modified=changed) as hub:
        collect(con, hub)
        second = readme_requests(hub)
        assert_served_per_spec(hub)

    assert sorted(first) == sorted(m.model_id for m in models[:300])
    assert sorted(second) == sorted([m.model_id for m in models[300:]] + list(changed))
    assert lineage(con) == expected_lineage(models)  # edges read on the first night are kept
    assert con.execute("SELECT model_id, last_modified FROM readme_reads WHERE list_contains($ids, model_id) "
                       "ORDER BY model_id", {"ids": list(changed)}).fetchall() == sorted(
        (model_id, naive(moment)) for model_id, moment in changed.items())


def test_a_first_run_over_a_large_catalogue_fills_lineage_over_several_nights(con, caplog):
    models = catalogue(250, seed=8)
    reads, coverage = [], []
    caplog.set_level(logging.INFO, logger="tracker")
    with ModelScopeStandIn(models) as hub:
        for night in range(3):
            caplog.clear()
            collect(con, hub, day=DAY + timedelta(days=night), readme_budget=100)
            reads.append(readme_requests(hub)[sum(map(len, reads)):])
            coverage.append(next(r.getMessage() for r in caplog.records if "readme lineage" in r.getMessage()))

    assert [len(night) for night in reads] == [100, 100, 50]
    assert len(set(sum(reads, []))) == 250  # no readme read twice
    assert "100 of 250 listed models have an up-to-date readme reading (100 read this run), 150 pending" in coverage[0]
    assert "250 of 250" in coverage[2] and "0 pending" in coverage[2]
    assert lineage(con) == expected_lineage(models)


def test_lineage_reads_only_the_front_matter_of_the_readme():
    readme = "---\nlicense: apache-2.0\nbase_model:\n- Qwen/Qwen2.5-7B\n- /ZhipuAI/glm-4-9b/\n---\nbase_model: x/y\n"
    assert modelscope.front_matter_parents(readme) == ["Qwen/Qwen2.5-7B", "ZhipuAI/glm-4-9b"]
    assert modelscope.front_matter_parents("---\nbase_model: Qwen/Qwen3-8B\n---\n# card") == ["Qwen/Qwen3-8B"]
    assert modelscope.front_matter_parents("# no front matter\nbase_model: a/b") == []
    assert modelscope.front_matter_parents("---\nbase_model: [unclosed\n---\n") == []
    assert modelscope.front_matter_parents(None) == []


@pytest.mark.parametrize("status", [429, 403])
def test_throttled_requests_are_retried_with_backoff_without_a_retry_after(con, status):
    models = catalogue(400)
    with ModelScopeStandIn(models) as hub:
        hub.throttle(status, times=2, after=3)
        hub.throttle(status, times=1, after=5, path=LISTING + "/")
        summary = collect(con, hub)
        log = list(hub.log)
        assert_served_per_spec(hub)
        assert len(set(readme_requests(hub))) == 400

    assert (summary.status, summary.records) == ("succeeded", 400)
    asked = [(r.path, r.query) for r in log]
    assert asked[3:6] == [asked[3]] * 3  # refused twice, asked again until served
    assert len(log) == len(hub.served) + 3
    assert lineage(con) == expected_lineage(models)


def test_a_throttle_that_does_not_clear_fails_the_run_naming_it(con):
    with ModelScopeStandIn(catalogue(100)) as hub:
        hub.throttle(429, times=100)
        with pytest.raises(CollectionFailed) as failure:
            collect(con, hub)

    assert "RateLimitExceed: Rate limit exceeded" in str(failure.value) and "retries" in str(failure.value)
    assert "\n" not in str(failure.value)


def test_a_service_that_requires_a_token_says_to_set_it(con, monkeypatch):
    with ModelScopeStandIn(catalogue(100), auth="token", tokens=["secret-1"]) as hub:
        with pytest.raises(CollectionFailed) as anonymous:
            collect(con, hub)
        monkeypatch.setenv("MODELSCOPE_API_TOKEN", "wrong")
        with pytest.raises(CollectionFailed) as wrong:
            collect(con, hub)
        monkeypatch.setenv("MODELSCOPE_API_TOKEN", "secret-1")
        summary = collect(con, hub)
        assert_served_per_spec(hub)
        sent = {r.headers.get("authorization") for r in hub.log}

    for failure in (anonymous, wrong):
        assert "401 InvalidAuthentication" in str(failure.value)
        assert "set MODELSCOPE_API_TOKEN" in str(failure.value) and "\n" not in str(failure.value)
        assert "secret-1" not in str(failure.value)
    assert summary.status == "succeeded" and "Bearer secret-1" in sent


def test_a_refused_parameter_is_named(con):
    with ModelScopeStandIn(catalogue(100)) as hub:
        with pytest.raises(CollectorError) as failure:
            listed_ids(modelscope.Settings(endpoint=hub.url, page_size=60))
        assert_served_per_spec(hub)

    assert "refused a parameter: HTTP 400 InputParameterError: Input parameter 'page_size' is invalid" in str(
        failure.value)


@pytest.mark.parametrize("endpoint", ["file:///srv/modelscope", "ftp://modelscope.cn", "modelscope.cn"])
def test_an_endpoint_that_is_not_http_is_one_clear_error(endpoint):
    with pytest.raises(CollectorError, match="is not an http\\(s\\) URL"):
        next(modelscope.fetch_model_pages(modelscope.Settings(endpoint=endpoint)))


@pytest.mark.parametrize("key, value", [("page_size", 51), ("readme_budget", -1), ("tolerance", 0.5)])
def test_out_of_range_settings_are_refused_by_name(tmp_path, key, value):
    from tracker import config as configuration

    path = tmp_path / "tracker.toml"
    path.write_text(f"[modelscope]\n{key} = {value}\n")
    with pytest.raises(configuration.ConfigError, match=f"'modelscope.{key}' must be between"):
        configuration.load(str(path))


def test_a_narrowed_listing_still_records_the_whole_catalogue_total(con):
    models = catalogue(500)
    with ModelScopeStandIn(models) as hub:
        summary = collect(con, hub, owner="qwen")

    qwen = sorted(m.model_id for m in models if m.author.lower() == "qwen")
    assert summary.records == len(qwen)
    assert con.execute("SELECT list(model_id ORDER BY model_id) FROM models").fetchone() == (qwen,)
    assert run_row(con)[3] == 500


def test_an_invalid_json_page_fails_the_run_and_the_next_run_lists_again(con):
    models = catalogue(3_500)
    with ModelScopeStandIn(models) as hub:
        hub.add_fault("truncate", path=LISTING, after=30)
        with pytest.raises(CollectionFailed) as failure:
            collect(con, hub, readme_lineage=False)
        broken = [r for r in hub.requests_to(LISTING) if r.path == LISTING][-1]
        status, _, records, _, _, error = run_row(con)
        summary = collect(con, hub, readme_lineage=False)

    where = f"page {broken.arg('page_number')} (search={broken.arg('search')})"
    assert f"ModelScope {where} is not valid JSON" in str(failure.value)
    assert (status, error) == ("failed", str(failure.value).removeprefix("modelscope: "))
    assert con.execute("SELECT count(*), count(DISTINCT model_id) FROM models").fetchone() == (3_500, 3_500)
    assert summary.status == "succeeded"


def test_an_empty_catalogue_is_a_complete_run_with_a_total_of_zero(con):
    with ModelScopeStandIn([]) as hub:
        summary = collect(con, hub)

    assert (summary.status, summary.pages, summary.records) == ("succeeded", 1, 0)
    assert run_row(con)[3] == 0


def test_model_identity_links_the_same_model_on_both_hubs(con):
    moment = datetime(2024, 6, 5, 8, 30, tzinfo=timezone.utc)
    hf_catalogue = list(GeneratedEcosystem(60, seed=5)) + [SimModel("THUDM/glm-4-9b-chat", moment)]
    hf = {model.model_id: model for model in hf_catalogue}
    accounts = {"MiniMaxAI": "MiniMax", "tencent": "Tencent-Hunyuan", "baidu": "PaddlePaddle"}
    bases = [m for m in GeneratedEcosystem(40, seed=11, hub="modelscope", start=START) if not m.parents]
    renamed = {m.model_id: replace(m, model_id=_on_account(m.model_id, accounts)) for m in bases}
    renamed["Qwen/Qwen3-8B"] = replace(renamed["Qwen/Qwen3-8B"], model_id="qwen/Qwen3-8B")
    mirrors = {"LLM-Research/Llama-3.1-8B": "meta-llama/Llama-3.1-8B",
               "AI-ModelScope/stable-diffusion-xl-base-1.0": "stabilityai/stable-diffusion-xl-base-1.0",
               "openai-mirror/gpt-oss-20b": "openai/gpt-oss-20b", "ZhipuAI/GLM-4-9B-Chat": "THUDM/glm-4-9b-chat"}
    ms_catalogue = list(renamed.values()) + [SimModel(m, moment + timedelta(days=2)) for m in mirrors] + [
        SimModel("damo/nlp_structbert_backbone_base_std", moment), SimModel("AI-ModelScope/not-on-hf", moment)]
    with HubStandIn(hf_catalogue) as hf_hub, ModelScopeStandIn(ms_catalogue) as ms_hub:
        pipeline.collect(con, sources.huggingface_source(Config(huggingface=HuggingFace(endpoint=hf_hub.url))))
        pipeline.collect(con, modelscope_source(ms_hub.url, readme_lineage=False))
    reference.refresh_reference_data(con)

    pairs = [(hf_id, m.model_id) for hf_id, m in renamed.items()] + [(hf_id, ms) for ms, hf_id in mirrors.items()]
    ms = {model.model_id: model for model in ms_catalogue}
    expected = [(h, m, hf[h].created_at.replace(tzinfo=None), naive(ms[m].created_at),
                 _first(hf[h].created_at, ms[m].created_at)) for h, m in pairs]
    assert con.execute("SELECT hf_model_id, ms_model_id, hf_created_at, ms_created_at, first_hub "
                       "FROM model_identity ORDER BY hf_model_id").fetchall() == sorted(expected)
    assert {row[4] for row in expected} == {"huggingface", "modelscope", "both"}


def test_the_organisation_aliases_are_well_formed(con):
    reference.refresh_reference_data(con)
    with (files("tracker.warehouse") / "data" / "organisation_aliases.csv").open(encoding="utf-8") as handle:
        shipped = list(csv.DictReader(handle))

    assert con.execute("SELECT count(*) FROM organisation_aliases").fetchone() == (len(shipped),)
    assert con.execute("SELECT hub, alias, organisation FROM organisation_aliases WHERE hub NOT IN "
                       "('huggingface', 'modelscope') OR alias = '' OR organisation = '' OR contains(alias, '/') "
                       "GROUP BY ALL UNION ALL SELECT hub, alias, organisation FROM organisation_aliases "
                       "GROUP BY ALL HAVING count(*) > 1").fetchall() == []


def _on_account(model_id: str, accounts: dict[str, str]) -> str:
    owner, name = model_id.split("/", 1)
    return f"{accounts.get(owner, owner)}/{name}"


def _first(hf_created: datetime, ms_created: datetime) -> str:
    if hf_created == ms_created:
        return "both"
    return "huggingface" if hf_created < ms_created else "modelscope"


def test_a_lone_surrogate_is_kept_as_the_replacement_character_and_the_readme_still_names_the_parent(con):
    models = catalogue(3)
    models[1] = replace(models[1], library_name="py\ud800torch",  # served as the tag `library:py\ud800torch`
                        pipeline_tag="text\ud800generation", parents=("base/parent",))  # in the readme's YAML too
    with ModelScopeStandIn(models) as hub:
        summary = collect(con, hub)
    assert (summary.status, summary.records) == ("succeeded", 3)
    [(tags,)] = con.execute("SELECT tags FROM models WHERE model_id = ?", [models[1].model_id]).fetchall()
    assert "library:py\ufffdtorch" in tags
    assert con.execute("SELECT parent_id FROM lineage WHERE child_id = ?", [models[1].model_id]).fetchall() == [
        ("base/parent",)]


def test_a_count_beyond_the_warehouse_type_is_unknown_and_the_run_succeeds(con):
    models = catalogue(3)
    models[1] = replace(models[1], likes=2**40)  # past INTEGER
    with ModelScopeStandIn(models) as hub:
        summary = collect(con, hub)
    assert (summary.status, summary.records) == ("succeeded", 3)
    likes = dict(con.execute("SELECT model_id, likes FROM model_snapshots WHERE hub = 'modelscope'").fetchall())
    assert likes[models[1].model_id] is None and likes[models[0].model_id] == models[0].likes
