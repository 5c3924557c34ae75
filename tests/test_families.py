"""Lineage families: every model's root and family, resolved in SQL from what the real collectors load."""

from __future__ import annotations

import io
import sys
import time
from datetime import date, datetime, timezone

import pytest

from tracker import sources
from tracker.config import Config
from tracker.pipeline import Source, collect
from tracker.collectors import modelscope
from tracker.cli_claims import check_command
from tracker.sim.ecosystem import GeneratedEcosystem, SimModel
from tracker.sim.huggingface import HubStandIn
from tracker.sim.modelscope import ModelScopeStandIn
from tracker.warehouse import attribution, db, reference
from tracker.warehouse.reference import ReferenceDataError

DAY = date(2026, 11, 1)
FAMILIES = "SELECT model_id, root_id, family, depth FROM model_family WHERE hub = $hub ORDER BY ALL"




@pytest.fixture
def con(db_file):
    connection = db.connect(db_file)
    yield connection
    connection.close()


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=timezone.utc)


def model(model_id: str, day: str, *parents: str, relation: str = "finetune", **fields) -> SimModel:
    return SimModel(model_id, at(day), parents=parents, relation=relation if parents else None, **fields)


def collect_hf(con, catalogue, day: date = DAY, **settings):
    """Hugging Face through its stand-in and the real collector, as `tracker collect huggingface` does."""
    with HubStandIn(catalogue) as hub:
        config = Config()
        config.huggingface.endpoint, config.huggingface.retry_wait = hub.url, 0.05
        for key, value in settings.items():
            setattr(config.huggingface, key, value)
        return collect(con, sources.huggingface_source(config), snapshot_date=day)


def collect_ms(con, catalogue, day: date = DAY, **settings):
    """ModelScope through its stand-in and the real collector."""
    with ModelScopeStandIn(catalogue) as hub:
        return collect(con, modelscope_source(hub.url, **settings), snapshot_date=day)


def modelscope_source(url: str, **settings) -> Source:
    """The `modelscope` builder of tracker/sources.py when there is one, else the Source it would make."""
    if hasattr(sources, "modelscope_source"):
        config = Config()
        config.modelscope.endpoint = url
        config.modelscope.readme_pause = 0.0  # a local stand-in needs no pacing
        for key, value in settings.items():
            setattr(config.modelscope, key, value)
        return sources.modelscope_source(config)
    chosen = modelscope.Settings(endpoint=url, **settings)
    return Source("modelscope", chosen.scope(), chosen.narrowed(), lambda cursor: modelscope.fetch_model_pages(chosen, cursor))


def resolved(con, hub: str = "huggingface") -> list[tuple]:
    reference.refresh_reference_data(con)
    attribution.refresh(con)
    return con.execute(FAMILIES, {"hub": hub}).fetchall()


QWEN = model("Qwen/Qwen2.5-7B", "2024-09-15")
LLAMA = model("meta-llama/Llama-3.1-8B", "2024-07-18")


def test_a_fine_tune_of_a_quantization_of_qwen_belongs_to_qwen(con):
    collect_hf(con, [QWEN, model("u1/qwen-gguf", "2024-10-02", "Qwen/Qwen2.5-7B", relation="quantized"),
                     model("u2/qwen-gguf-ft", "2024-11-05", "u1/qwen-gguf")])

    assert resolved(con) == [("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B", "Qwen", 0),
                             ("u1/qwen-gguf", "Qwen/Qwen2.5-7B", "Qwen", 1),
                             ("u2/qwen-gguf-ft", "Qwen/Qwen2.5-7B", "Qwen", 2)]


def test_a_loop_of_parents_is_rooted_at_its_earliest_model_and_a_loop_with_a_way_out_at_that_root(con):
    collect_hf(con, [QWEN,
                     model("a/x", "2024-10-01", "b/y"), model("b/y", "2024-10-02", "a/x"),
                     model("c/z", "2024-10-03", "a/x"),
                     model("d/p", "2024-10-04", "e/q"), model("e/q", "2024-10-05", "d/p", "Qwen/Qwen2.5-7B")])

    assert resolved(con) == [("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B", "Qwen", 0),
                             ("a/x", "a/x", "a", 0), ("b/y", "a/x", "a", 1), ("c/z", "a/x", "a", 1),
                             ("d/p", "Qwen/Qwen2.5-7B", "Qwen", 2), ("e/q", "Qwen/Qwen2.5-7B", "Qwen", 1)]


def test_a_model_naming_itself_is_a_root(con):
    collect_hf(con, [model("m/self", "2025-01-01", "m/self"), model("m/child", "2025-01-02", "m/self")])

    assert resolved(con) == [("m/child", "m/self", "m", 1), ("m/self", "m/self", "m", 0)]
    assert con.execute("SELECT count(*) FROM family_roots WHERE depth > 0").fetchone() == (1,)


def test_a_parent_missing_from_the_warehouse_is_a_root_and_its_id_decides_its_family(con):
    collect_hf(con, [model("u/ft", "2025-01-01", "meta-llama/Llama-9-404"),
                     model("v/ft", "2025-01-02", "nobody/gone-404")])

    assert resolved(con) == [("u/ft", "meta-llama/Llama-9-404", "Llama", 1), ("v/ft", "nobody/gone-404", "nobody", 1)]


def test_a_merge_belongs_to_each_of_its_roots_families_and_counts_once_overall(con):
    collect_hf(con, [QWEN, LLAMA, model("u/merge", "2025-01-10", "Qwen/Qwen2.5-7B", "meta-llama/Llama-3.1-8B",
                                        relation="merge")])

    assert [row for row in resolved(con) if row[0] == "u/merge"] == [
        ("u/merge", "Qwen/Qwen2.5-7B", "Qwen", 1), ("u/merge", "meta-llama/Llama-3.1-8B", "Llama", 1)]
    assert con.execute("SELECT family, new_derivatives, share FROM derivatives_by_family_month "
                       "WHERE hub = 'huggingface' AND definition = 'transitive' ORDER BY family").fetchall() == [
        ("Llama", 1, 1.0), ("Qwen", 1, 1.0)]
    assert con.execute("SELECT derivatives FROM derivatives_by_month WHERE hub = 'huggingface' "
                       "AND definition = 'transitive'").fetchall() == [(1,)]


def test_parents_are_found_on_the_other_hub_under_either_hubs_spelling(con):
    collect_hf(con, [QWEN, LLAMA, model("u/hf-ft", "2025-02-01", "damo/ms-only-ft"),
                     model("u/hf-alias", "2025-02-02", "LLM-Research/Llama-3.1-8B")])
    collect_ms(con, [model("damo/ms-only-ft", "2025-01-05", "qwen/Qwen2.5-7B"),
                     model("w/ms-ft", "2025-01-06", "meta-llama/Llama-3.1-8B")])

    assert resolved(con) == [("Qwen/Qwen2.5-7B", "Qwen/Qwen2.5-7B", "Qwen", 0),
                             ("meta-llama/Llama-3.1-8B", "meta-llama/Llama-3.1-8B", "Llama", 0),
                             ("u/hf-alias", "meta-llama/Llama-3.1-8B", "Llama", 1),
                             ("u/hf-ft", "Qwen/Qwen2.5-7B", "Qwen", 2)]
    assert con.execute(FAMILIES, {"hub": "modelscope"}).fetchall() == [
        ("damo/ms-only-ft", "Qwen/Qwen2.5-7B", "Qwen", 1), ("w/ms-ft", "meta-llama/Llama-3.1-8B", "Llama", 1)]


def test_roots_take_the_family_of_the_most_specific_pattern_and_modelscope_spellings_count(con):
    collect_hf(con, [model("microsoft/Phi-3-mini", "2024-04-01"), model("microsoft/phi-4", "2024-12-11"),
                     model("google/gemma-2-9b", "2024-06-24"), model("google/t5-base", "2020-01-01"),
                     model("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "2025-01-20", "Qwen/Qwen2.5-Math-7B"),
                     model("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "2025-01-20"), model("gpt2", "2019-02-01")])
    collect_ms(con, [model("Tencent-Hunyuan/Hunyuan-7B-Instruct", "2025-07-30"),
                     model("LLM-Research/Meta-Llama-3-8B", "2024-04-19"),
                     model("AI-ModelScope/some-upload", "2024-05-01"), model("PaddlePaddle/ERNIE-4.5-0.3B-PT", "2025-06-28")])

    assert resolved(con) == [
        ("deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "deepseek-ai/DeepSeek-R1-Distill-Llama-8B", "DeepSeek", 0),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "Qwen/Qwen2.5-Math-7B", "Qwen", 1),  # its declared base decides
        ("google/gemma-2-9b", "google/gemma-2-9b", "Gemma", 0), ("google/t5-base", "google/t5-base", "google", 0),
        ("gpt2", "gpt2", "gpt2", 0),
        ("microsoft/Phi-3-mini", "microsoft/Phi-3-mini", "Phi", 0), ("microsoft/phi-4", "microsoft/phi-4", "Phi", 0)]
    assert [row[2] for row in con.execute(FAMILIES, {"hub": "modelscope"}).fetchall()] == [
        "AI-ModelScope", "Llama", "ERNIE", "Hunyuan"]


def test_derivative_definitions_count_first_and_third_parties_and_quantizations_apart(con):
    collect_hf(con, [QWEN, model("Qwen/Qwen2.5-7B-Instruct", "2025-03-01", "Qwen/Qwen2.5-7B"),
                     model("u/quant", "2025-03-02", "Qwen/Qwen2.5-7B-Instruct", relation="quantized"),
                     model("u/ft-of-quant", "2025-03-03", "u/quant"),
                     model("u/adapter", "2025-03-04", "Qwen/Qwen2.5-7B", relation="adapter")])
    resolved(con)

    counts = con.execute("SELECT definition, new_derivatives FROM derivatives_by_family_month "
                         "WHERE hub = 'huggingface' AND family = 'Qwen' ORDER BY definition").fetchall()
    assert counts == [("direct", 3), ("direct_no_quant", 2), ("third_party", 3), ("third_party_no_quant", 2),
                      ("transitive", 4), ("transitive_no_quant", 3)]
    assert con.execute("SELECT month, new_models, with_base_model, coverage FROM lineage_coverage_by_month "
                       "WHERE hub = 'all' ORDER BY month").fetchall() == [
        (date(2024, 9, 1), 1, 0, 0.0), (date(2025, 3, 1), 4, 4, 1.0)]


def test_a_modelscope_copy_of_a_hugging_face_model_counts_once_across_hubs(con):
    derivative = model("Qwen/Qwen2.5-7B-Instruct", "2025-03-01", "Qwen/Qwen2.5-7B")
    collect_hf(con, [QWEN, derivative])
    collect_ms(con, [model("qwen/Qwen2.5-7B", "2024-09-14"), model("qwen/Qwen2.5-7B-Instruct", "2025-03-01",
                                                                   "qwen/Qwen2.5-7B")])
    resolved(con)

    assert con.execute("SELECT hub, new_derivatives FROM derivatives_by_family_month WHERE definition = 'transitive' "
                       "ORDER BY hub").fetchall() == [("all", 1), ("huggingface", 1), ("modelscope", 1)]


@pytest.mark.parametrize("name, text, problem", [
    ("families.csv", "pattern,family,note\nQwen/*,Qwen,\nnot a pattern,Oops,\n",
     "line 3: pattern 'not a pattern' must be organisation/name"),
    ("families.csv", "pattern,family,note\nQwen/*,Qwen\n", "line 2: expected 3 fields (pattern,family,note), found 2"),
    ("families.csv", "pattern,family,note\nQwen/*,Qwen,\nnobody/*,Nobody,\n",
     "line 3: organisation 'nobody' is not in organisations.csv"),
    ("organisations.csv", "organisation,display_name,country_code\nQwen,Alibaba,ZZ\n",
     "line 2: country_code 'ZZ' is not in countries.csv"),
    ("countries.csv", "code,name,region\nCN,China,China\nCN,China again,China\n", "line 3: country 'CN' appears twice"),
    ("families.csv", "family,pattern\nQwen,Qwen/*\n", "line 1: the header must be pattern,family,note"),
])
def test_a_malformed_data_file_is_a_one_line_error_naming_the_file_and_line(con, tmp_path, name, text, problem):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")

    with pytest.raises(ReferenceDataError) as error:
        attribution.refresh(con, folder)

    assert str(error.value).startswith(f"{folder / name}, {problem}")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("name, text, problem", [
    ("organisation_aliases.csv", "hub,alias,organisation\ngitlab,qwen,Qwen\n",
     "line 2: hub 'gitlab' is not one of huggingface, modelscope"),
    ("organisation_aliases.csv", "hub,alias,organisation\nmodelscope,qwen/x,Qwen\n",
     "line 2: alias 'qwen/x' must be one account name"),
    ("location_aliases.csv", "alias,country_code\nBay Area,US\nAtlantis,ZZ\n",
     "line 3: country_code 'ZZ' is not in countries.csv"),
])
def test_a_malformed_alias_file_is_a_one_line_error_naming_the_file_and_line(tmp_path, monkeypatch, name, text, problem):
    (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv(reference.DATA_DIR_VARIABLE, str(tmp_path))

    with pytest.raises(ReferenceDataError) as error:
        reference.rows(name)

    assert str(error.value).startswith(f"{tmp_path / name}, {problem}")
    assert "\n" not in str(error.value)


def test_a_writable_open_refuses_malformed_organisation_aliases_in_one_line(tmp_path, monkeypatch):
    (tmp_path / "organisation_aliases.csv").write_text("hub,alias\nmodelscope,qwen\n", encoding="utf-8")
    monkeypatch.setenv(reference.DATA_DIR_VARIABLE, str(tmp_path))

    with pytest.raises(ReferenceDataError, match="the header must be hub,alias,organisation"):
        db.connect(tmp_path / "w.duckdb")


def test_a_data_file_is_validated_once_while_unchanged_and_again_once_edited(tmp_path):
    countries = tmp_path / "countries.csv"
    countries.write_text("code,name,region\nCN,China,China\n", encoding="utf-8")
    first = reference.rows("countries.csv", tmp_path)

    assert reference.rows("countries.csv", tmp_path) is first
    countries.write_text("code,name,region\nCN,China,China\nFR,France,Europe\n", encoding="utf-8")
    assert [row.values["code"] for row in reference.rows("countries.csv", tmp_path)] == ["CN", "FR"]


def test_the_location_aliases_name_a_country_or_no_place():
    aliases = reference.location_aliases()

    assert aliases["Bay Area"] == "US" and None in aliases.values()  # some aliases name no place at all


def test_the_shipped_data_files_cover_every_organisation_the_report_names(con):
    reference.load_reference(con)
    named = {"Qwen": "Qwen", "deepseek-ai": "DeepSeek", "MiniMaxAI": "MiniMax", "tencent": "Hunyuan",
             "baidu": "ERNIE", "PaddlePaddle": "ERNIE", "moonshotai": "Kimi", "Wan-AI": "Wan", "meta-llama": "Llama",
             "mistralai": "Mistral", "google": "Gemma", "microsoft": "Phi", "openai": "GPT-OSS"}

    shipped = set(con.execute("SELECT o.organisation, f.family FROM ref_families f JOIN ref_organisations o "
                              "ON lower(o.organisation) = f.account").fetchall())
    assert set(named.items()) <= shipped
    assert con.execute("SELECT DISTINCT o.country_code FROM ref_organisations o WHERE list_contains($chinese, "
                       "o.organisation)", {"chinese": list(named)[:8]}).fetchall() == [("CN",)]
    assert con.execute("SELECT region FROM ref_countries WHERE code IN ('FR', 'DE', 'GB') GROUP BY region").fetchall() == [
        ("Europe",)]
    assert con.execute("SELECT DISTINCT region FROM family_organisations WHERE family = 'Mistral'").fetchall() == [
        ("Europe",)]


def test_check_on_a_50000_model_hub_resolves_every_model_in_seconds(con, capsys):
    ecosystem = GeneratedEcosystem(50_000, seed=2024)
    collect_hf(con, ecosystem)
    reference.refresh_reference_data(con)
    started = time.monotonic()
    stats = attribution.refresh(con)
    resolution = time.monotonic() - started
    started = time.monotonic()
    exit_code = check_command(con, None, "json", None, io.StringIO(),
                              checked_at=datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc))
    checking = time.monotonic() - started
    with capsys.disabled():
        print(f"\n50,000 models, {stats['edges']:,} edges: families resolved in {resolution:.2f} s, "
              f"full check in {checking:.2f} s", file=sys.stderr)

    assert exit_code == 0 and stats["edges"] == len(ecosystem.expected_edges())
    assert con.execute("SELECT count(DISTINCT model_id), count(*) FILTER (WHERE family IS NULL) FROM model_family"
                       ).fetchone() == (50_000, 0)
    bases = {m.model_id for m in ecosystem if not m.parents}
    assert con.execute("SELECT count(*) FROM model_family WHERE depth = 0").fetchone() == (len(bases),)
    assert con.execute("SELECT max(depth) FROM model_family").fetchone()[0] <= 4
