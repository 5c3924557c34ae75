"""The ModelScope stand-in against ModelScope's OpenAPI description: what it serves, accepts and refuses.

Requests go through the installed SDK's own OpenAPI client (the paths, parameters and bearer header it
sends), and every body served is validated against the description's schemas with jsonschema.
"""

from __future__ import annotations

import pytest
import requests
from modelscope_hub._openapi import OpenAPIClient
from modelscope_hub.config import HubConfig
from modelscope_hub.errors import AuthenticationError, InvalidParameter, NotExistError

from tracker.sim import modelscope_spec
from tracker.sim.modelscope import LISTING, THROTTLES, ModelScopeStandIn, card, license_of
from tracker.sim.modelscope_catalogue import RealisticCatalogue

MODELS = list(RealisticCatalogue(400, seed=21))


@pytest.fixture
def hub():
    with ModelScopeStandIn(MODELS) as stand_in:
        yield stand_in
    problems = [p for operation, status, body in stand_in.served for p in modelscope_spec.problems(operation, status, body)]
    assert problems == []


def client(hub, token: str = "") -> OpenAPIClient:
    return OpenAPIClient(HubConfig(endpoint=hub.url, token=token), max_retries=1)


def test_the_stand_in_serves_every_parameter_the_description_declares():
    declared = {p["name"] for p in modelscope_spec.spec()["paths"]["/models"]["get"]["parameters"]}
    assert declared == {"search", "owner", "sort", "page_number", "page_size", "filter.task", "filter.library",
                        "filter.model_type", "filter.custom_tag", "filter.license", "filter.deploy"}


def test_search_matches_a_substring_of_the_name_or_of_the_author_not_across_the_slash(hub):
    model = MODELS[200]
    owner, name = model.model_id.split("/")
    by_name = client(hub).list_models(search=name[3:12].upper(), page_size=50)
    across = client(hub).list_models(search=f"{owner[-2:]}/{name[:2]}", page_size=50)
    by_author = client(hub).list_models(search=owner, page_size=50)

    assert model.model_id in {m["id"] for m in by_name["models"]}
    assert across["total_count"] == 0
    assert by_author["total_count"] == sum(1 for m in MODELS if owner.lower() in m.model_id.lower())


def test_the_filters_sort_and_owner_narrow_as_declared(hub):
    mit = client(hub).list_models(filters={"license": "MIT License"}, page_size=50)
    popular = client(hub).list_models(sort="downloads", page_size=50)
    owner = MODELS[0].author
    owned = client(hub).list_models(owner=owner, page_size=50)
    tasks = client(hub).list_models(filters={"task": "image-text-to-text"}, page_size=50)

    assert mit["total_count"] == sum(1 for m in MODELS if license_of(m) == "MIT License") > 0
    assert {m["license"] for m in mit["models"]} == {"MIT License"}
    assert [m["downloads"] for m in popular["models"]] == sorted((m.downloads_all_time for m in MODELS), reverse=True)[:50]
    assert {m["id"].split("/")[0] for m in owned["models"]} == {owner}
    assert {t for m in tasks["models"] for t in m["tasks"]} == {"image-text-to-text"}


def test_tags_carry_only_the_description_s_prefixes_and_never_lineage(hub):
    tags = {tag for page in range(1, 9) for m in client(hub).list_models(page_number=page, page_size=50)["models"]
            for tag in m["tags"]}
    assert {tag.split(":")[0] for tag in tags} <= {"license", "task", "library", "model_type", "deploy", "custom_tag"}
    assert not any(tag.startswith("base_model") for tag in tags)


def test_get_model_serves_the_readme_whose_front_matter_names_the_base_models(hub):
    child = next(m for m in MODELS if len(m.parents) > 1)
    detail = client(hub).get_model(*child.model_id.split("/"))
    assert detail["readme"] == card(child) and all(f"- {parent}" in detail["readme"] for parent in child.parents)
    with pytest.raises(NotExistError):
        client(hub).get_model("nobody", "nothing")


@pytest.mark.parametrize("params, named", [
    ({"page_size": 51}, "page_size"), ({"page_size": 0}, "page_size"), ({"page_number": 0}, "page_number"),
    ({"page_number": 61, "page_size": 50}, "page_number"), ({"sort": "stars"}, "sort"),
    ({"search": "x" * 101}, "search"),
])
def test_a_parameter_out_of_its_declared_limits_is_refused_by_name(hub, params, named):
    reply = requests.get(hub.url + LISTING, params=params, timeout=10)
    hub.served.append(("listModels", reply.status_code, reply.json()))
    assert reply.status_code == 400 and reply.json()["code"] == "InputParameterError"
    assert f"'{named}'" in reply.json()["message"]
    with pytest.raises(InvalidParameter):  # the SDK's client raises the same class, whichever side refuses
        client(hub).list_models(**params)


def test_bearer_auth_a_token_mode_and_an_anonymous_mode():
    with ModelScopeStandIn(MODELS, auth="token", tokens=["t-1"]) as strict, ModelScopeStandIn(MODELS) as open_hub:
        with pytest.raises(AuthenticationError):
            client(strict).list_models()
        with pytest.raises(AuthenticationError):
            client(strict, "t-2").list_models()
        assert client(strict, "t-1").list_models()["total_count"] == 400
        assert client(open_hub).list_models()["total_count"] == 400
        with pytest.raises(AuthenticationError):
            client(open_hub, "t-2").list_models()  # a token is checked whenever one is sent
        sent = [r.headers.get("authorization") for r in strict.log]
        served = strict.served + open_hub.served

    assert sent == [None, "Bearer t-2", "Bearer t-1"]
    assert [p for operation, status, body in served for p in modelscope_spec.problems(operation, status, body)] == []


@pytest.mark.parametrize("status", sorted(THROTTLES))
def test_throttling_bodies_follow_the_error_schema_and_carry_no_retry_after(status):
    with ModelScopeStandIn(MODELS) as hub:
        hub.throttle(status)
        reply = requests.get(hub.url + LISTING, timeout=10)

    assert reply.status_code == status and "Retry-After" not in reply.headers
    assert reply.json()["code"] == THROTTLES[status][0]
    assert modelscope_spec.problems("listModels", status, reply.json()) == []


def test_the_search_ignored_mode_returns_the_whole_catalogue_whatever_the_search():
    with ModelScopeStandIn(MODELS, search="ignored") as hub:
        assert client(hub).list_models(search="no-such-thing")["total_count"] == 400
