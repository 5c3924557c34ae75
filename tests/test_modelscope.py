"""The ModelScope collector: the real modelscope SDK against the stand-in, into a real DuckDB warehouse."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from importlib.resources import files

import pytest

from tracker import pipeline, sources
from tracker.collectors import modelscope
from tracker.collectors.records import CollectorError
from tracker.config import Config, HuggingFace
from tracker.pipeline import CollectionFailed, Source
from tracker.sim.ecosystem import GeneratedEcosystem, SimModel
from tracker.sim.huggingface import HubStandIn
from tracker.sim.modelscope import ModelScopeStandIn, ms_tags
from tracker.warehouse import db, reference

# After three of the bases ModelScope hosts (Qwen2-VL, Qwen2.5-7B and its Instruct): no child predates
# its parents, and a merge always finds two distinct ones.
START = datetime(2024, 9, 17, tzinfo=timezone.utc)
LISTING = "/openapi/v1/models"




@pytest.fixture
def con(db_file):
    connection = db.connect(db_file)
    yield connection
    connection.close()


def modelscope_source(url: str, **options) -> Source:
    """The `modelscope` source as tracker/sources.py builds it from configuration, pointed at the stand-in."""
    config = Config()
    config.modelscope.endpoint = url
    for key, value in options.items():
        setattr(config.modelscope, key, value)
    return sources.modelscope_source(config)


def ecosystem(size: int, seed: int = 11) -> GeneratedEcosystem:
    return GeneratedEcosystem(size, seed=seed, hub="modelscope", start=START)


def naive(moment: datetime) -> datetime:
    """A timestamp as the warehouse holds a ModelScope one: UTC, whole seconds."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


def model_rows(con, ids: list[str]) -> list[tuple]:
    return con.execute(
        "SELECT model_id, author, created_at, last_modified, pipeline_tag, library_name, license, tags, gated, "
        "private, s.downloads, s.downloads_all_time, s.likes FROM models JOIN model_snapshots s USING (hub, model_id) "
        "WHERE hub = 'modelscope' AND list_contains($ids, model_id) ORDER BY model_id", {"ids": ids}).fetchall()


def expected_row(model: SimModel) -> tuple:
    return (model.model_id, model.author, naive(model.created_at), naive(model.last_modified), model.pipeline_tag,
            None, "apache-2.0", ms_tags(model), "false", False,
            model.downloads_all_time, model.downloads_all_time, model.likes)


def lineage(con) -> set[tuple]:
    return set(con.execute("SELECT child_id, parent_id, relation, provenance FROM lineage WHERE hub = 'modelscope'")
               .fetchall())


def run_row(con) -> tuple:
    return con.execute("SELECT status, pages, records, catalog_total, cursor, error FROM runs").fetchone()


def listed_ids(settings: modelscope.Settings) -> tuple[list[str], int | None]:
    ids, total = [], None
    for page in modelscope.fetch_model_pages(settings):
        ids += [record["model_id"] for record in page.records["models"]]
        total = page.catalog_total
    return ids, total


def test_collect_loads_a_catalogue_deeper_than_the_listing_limit(con):
    catalogue = ecosystem(8_000)
    with ModelScopeStandIn(catalogue) as hub:
        summary = pipeline.collect(con, modelscope_source(hub.url))
        searches = {request.arg("search") for request in hub.requests_to(LISTING)}

    assert (summary.status, summary.records) == ("succeeded", 8_000)
    assert run_row(con)[2:] == (8_000, 8_000, None, None)
    assert searches >= {f"{c}/" for c in modelscope.NAME_CHARACTERS}  # split by owner, past the 3,000 limit
    ids = {row[0] for row in con.execute("SELECT model_id FROM models WHERE hub = 'modelscope'").fetchall()}
    assert ids == {model.model_id for model in catalogue}
    assert con.execute("SELECT count(*) FROM model_snapshots WHERE hub = 'modelscope'").fetchone() == (8_000,)
    sample = [catalogue[i] for i in (0, 1, 11, 12, 13, 2_345, 7_999)]
    assert model_rows(con, [m.model_id for m in sample]) == sorted(expected_row(m) for m in sample)
    assert lineage(con) == {(child, parent, relation, "tag") for model in catalogue if model.lineage_form != "card"
                            for child, parent, relation in model.edges()}


def test_an_owner_with_more_models_than_the_listing_limit_is_listed_whole():
    moment = datetime(2025, 1, 1, tzinfo=timezone.utc)
    catalogue = ([SimModel(f"AI-ModelScope/model-{i}", moment + timedelta(minutes=i)) for i in range(3_100)]
                 + [SimModel(name, moment) for name in ("AI-ModelScope/model", "ModelScope/other", "not-AI-ModelScope/x")]
                 + [SimModel(f"user{i}/small-{i}", moment) for i in range(40)])
    with ModelScopeStandIn(catalogue) as hub:
        ids, total = listed_ids(modelscope.Settings(endpoint=hub.url))
        exact = [r for r in hub.log if r.path == "/openapi/v1/models/ai-modelscope/model"]

    assert total == 3_143
    assert sorted(ids) == sorted(model.model_id for model in catalogue)  # each one exactly once
    assert len(exact) == 1  # the name equal to an over-full prefix is read on its own


def test_a_narrowed_listing_still_records_the_whole_catalogue_total(con):
    catalogue = ecosystem(500)
    with ModelScopeStandIn(catalogue) as hub:
        summary = pipeline.collect(con, modelscope_source(hub.url, owner="qwen"))

    qwen = sorted(m.model_id for m in catalogue if m.author.lower() == "qwen")
    assert summary.records == len(qwen)
    assert con.execute("SELECT list(model_id ORDER BY model_id) FROM models").fetchone() == (qwen,)
    assert run_row(con)[3] == 500


def test_rate_limits_and_server_errors_are_retried(con):
    catalogue = ecosystem(400)
    with ModelScopeStandIn(catalogue) as hub:
        hub.add_fault("status", path=LISTING, after=3, status=429, headers={"Retry-After": "1"},
                      body={"success": False, "code": "RateLimitExceed", "message": "too many requests"})
        hub.add_fault("status", path=LISTING, after=2, times=2, status=503,
                      body={"success": False, "code": "ServiceUnavailable", "message": "busy"})
        summary = pipeline.collect(con, modelscope_source(hub.url))
        requests = hub.requests_to(LISTING)

    assert (summary.status, summary.records) == ("succeeded", 400)
    assert len(requests) == 1 + 8 + 3  # the total, eight pages, and three answered with errors
    assert [r.query for r in requests[3:5]] == [requests[3].query] * 2  # the 429'd page asked again
    assert [r.query for r in requests[6:9]] == [requests[6].query] * 3  # the 503'd page asked until it came
    assert con.execute("SELECT count(*) FROM models").fetchone() == (400,)


def test_an_invalid_json_page_fails_the_run_and_the_next_run_resumes_after_the_last_saved_page(con):
    catalogue = ecosystem(3_500)
    with ModelScopeStandIn(catalogue) as hub:
        hub.add_fault("truncate", path=LISTING, after=50)
        with pytest.raises(CollectionFailed) as failure:
            pipeline.collect(con, modelscope_source(hub.url))
        broken = hub.requests_to(LISTING)[-1]
        status, pages, records, _, cursor, error = run_row(con)
        kept = con.execute("SELECT count(*) FROM models").fetchone()[0]
        first_run = len(hub.log)
        summary = pipeline.collect(con, modelscope_source(hub.url))
        resumed_at = [request for request in hub.log[first_run:] if request.path == LISTING][1]

    where = f"page {broken.arg('page_number')} (search={broken.arg('search')})"
    assert f"ModelScope {where} is not valid JSON" in str(failure.value)
    assert (status, error) == ("failed", str(failure.value).removeprefix("modelscope: "))
    assert kept == records >= modelscope.MODELS_PER_PAGE and pages >= 1
    partition, page = json.loads(cursor)["plan"][0], json.loads(cursor)["page"]
    # The total first, then straight on from the saved cursor.
    assert (resumed_at.arg("search"), resumed_at.arg("page_number")) == (partition[1], str(page))
    assert (summary.status, summary.resumed, summary.records) == ("succeeded", True, 3_500)
    assert run_row(con)[:4] == ("succeeded", summary.pages, 3_500, 3_500)
    assert con.execute("SELECT count(*), count(DISTINCT model_id) FROM models").fetchone() == (3_500, 3_500)


def test_card_lineage_reads_the_base_model_every_card_declares(con):
    catalogue = ecosystem(300)
    with ModelScopeStandIn(catalogue) as hub:
        pipeline.collect(con, modelscope_source(hub.url, card_lineage=True))
        cards = hub.requests_to("/api/v1/models/")

    assert len(cards) == 300
    # A card names no relation: edges only a card declares are `unknown`; a tag's relation wins over it.
    assert lineage(con) == {(child, parent, relation, "card" if model.lineage_form == "card" else "tag")
                            for model in catalogue for child, parent, relation in model.edges()}


def test_a_request_the_service_refuses_fails_with_its_message(con):
    with ModelScopeStandIn(ecosystem(100)) as hub:
        with pytest.raises(CollectionFailed) as failure:
            pipeline.collect(con, modelscope_source(hub.url, page_size=60))

    assert "ModelScope page 1 (the whole catalogue): " in str(failure.value)
    assert "page_size must be <= 50" in str(failure.value)
    assert run_row(con)[0] == "failed"


def test_an_empty_catalogue_is_a_complete_run_with_a_total_of_zero(con):
    with ModelScopeStandIn([]) as hub:
        summary = pipeline.collect(con, modelscope_source(hub.url))

    assert (summary.status, summary.pages, summary.records) == ("succeeded", 1, 0)
    assert run_row(con)[3] == 0


def test_a_cursor_from_elsewhere_is_refused_by_name():
    with pytest.raises(CollectorError, match="cannot resume from cursor 'https://"):
        next(modelscope.fetch_model_pages(modelscope.Settings(endpoint="http://127.0.0.1:9"), "https://x/?cursor=1"))


def test_a_search_the_service_does_not_narrow_stops_the_splitting_by_name():
    overfull = modelscope.Partition(search="e" * modelscope.LONGEST_SEARCH + "/")
    with pytest.raises(CollectorError, match="page 1 \\(search=e+/\\): still 5000 models"):
        modelscope.split(overfull, 5_000, f"page 1 ({modelscope.describe(overfull)})")


def test_model_identity_links_the_same_model_on_both_hubs(con):
    moment = datetime(2024, 6, 5, 8, 30, tzinfo=timezone.utc)
    hf_catalogue = list(GeneratedEcosystem(60, seed=5)) + [SimModel("THUDM/glm-4-9b-chat", moment)]
    hf = {model.model_id: model for model in hf_catalogue}
    accounts = {"MiniMaxAI": "MiniMax", "tencent": "Tencent-Hunyuan", "baidu": "PaddlePaddle"}
    bases = [m for m in ecosystem(40) if not m.parents]
    renamed = {m.model_id: replace(m, model_id=_on_account(m.model_id, accounts)) for m in bases}
    renamed["Qwen/Qwen3-8B"] = replace(renamed["Qwen/Qwen3-8B"], model_id="qwen/Qwen3-8B")
    mirrors = {"LLM-Research/Llama-3.1-8B": "meta-llama/Llama-3.1-8B",
               "AI-ModelScope/stable-diffusion-xl-base-1.0": "stabilityai/stable-diffusion-xl-base-1.0",
               "openai-mirror/gpt-oss-20b": "openai/gpt-oss-20b", "ZhipuAI/GLM-4-9B-Chat": "THUDM/glm-4-9b-chat"}
    ms_catalogue = list(renamed.values()) + [SimModel(m, moment + timedelta(days=2)) for m in mirrors] + [
        SimModel("damo/nlp_structbert_backbone_base_std", moment), SimModel("AI-ModelScope/not-on-hf", moment)]
    with HubStandIn(hf_catalogue) as hf_hub, ModelScopeStandIn(ms_catalogue) as ms_hub:
        pipeline.collect(con, sources.huggingface_source(Config(huggingface=HuggingFace(endpoint=hf_hub.url))))
        pipeline.collect(con, modelscope_source(ms_hub.url))
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
