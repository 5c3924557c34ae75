"""`doctor_checks`: ModelScope's assumptions tested live, here against the stand-in in each of its modes."""

from __future__ import annotations

import pytest

from tracker.collectors import modelscope
from tracker.sim.modelscope import ModelScopeStandIn
from tracker.sim.modelscope_catalogue import RealisticCatalogue

MODELS = list(RealisticCatalogue(300, seed=3))


def checks(hub, token: str | None = None) -> dict[str, modelscope.Check]:
    found = modelscope.doctor_checks(modelscope.Settings(endpoint=hub.url, token=token, retry_wait=0.01))
    assert all(check.source == "modelscope" and check.observed and check.action for check in found)
    return {check.assumption: check for check in found}


def failed(found: dict) -> list[str]:
    return sorted(name for name, check in found.items() if not check.ok)


def test_a_service_that_follows_the_description_passes_every_check():
    with ModelScopeStandIn(MODELS) as hub:
        found = checks(hub)

    assert failed(found) == []
    assert "total_count 300" in found["the listing reports its total_count"].observed
    assert found["pages of at most 50, no deeper than 3000"].observed == \
        "page_size 51: refused; page 61 of 50: refused"
    assert "only name and author are searched" in found[
        "search matches name and author as separate fields, not the joined owner/name id"].observed
    assert "front matter yes" in found["getModel serves the readme (lineage from its front matter's base_model)"].observed


def test_a_search_that_narrows_nothing_fails_its_check_and_says_runs_end_incomplete():
    with ModelScopeStandIn(MODELS, search="ignored") as hub:
        found = checks(hub)

    assert failed(found) == ["search narrows the listing"]
    assert "matched 300 of 300" in found["search narrows the listing"].observed
    assert "runs end incomplete" in found["search narrows the listing"].action


def test_a_search_that_also_matches_the_joined_id_is_noted_and_passes():
    with ModelScopeStandIn(MODELS, search="joined") as hub:
        found = checks(hub)

    assert failed(found) == []
    assert "more than name and author is searched" in found[
        "search matches name and author as separate fields, not the joined owner/name id"].observed


@pytest.mark.parametrize("token, failures", [
    (None, ["anonymous requests are served", "the listing answers with models and a total_count"]),
    # Anonymous requests refused is no failure while a token is set; that token being refused is.
    ("wrong", ["the listing answers with models and a total_count", "the token is accepted"]),
    ("t-1", []),
])
def test_a_service_that_requires_a_token(token, failures):
    with ModelScopeStandIn(MODELS, auth="token", tokens=["t-1"]) as hub:
        found = checks(hub, token)

    assert failed(found) == sorted(failures)
    assert "set MODELSCOPE_API_TOKEN" in found["anonymous requests are served"].action
    assert all("t-1" not in check.observed for check in found.values())


def test_an_endpoint_that_is_not_http_is_one_failed_check():
    found = modelscope.doctor_checks(modelscope.Settings(endpoint="file:///srv/modelscope"))
    assert [(c.assumption, c.ok) for c in found] == [("the endpoint is an http(s) URL", False)]
