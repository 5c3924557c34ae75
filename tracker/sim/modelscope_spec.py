"""ModelScope's OpenAPI description (modelscope-openapi.json beside this file) as JSON Schema validators.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so the `jsonschema` library validates a body against
`#/components/schemas/...` with the whole description as the document its references resolve in.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files

from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_FILE = "modelscope-openapi.json"
# The body schema of each status an operation declares, and of the errors the service may send anyway.
OPERATIONS = {("listModels", 200): "ModelListResponse", ("getModel", 200): "ModelDetailResponse"}
ERROR_SCHEMA = "ErrorResponse"
SPEC_URI = "urn:modelscope-openapi"


@lru_cache(maxsize=1)
def spec() -> dict:
    return json.loads((files("tracker.sim") / SPEC_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def validator(schema_name: str) -> Draft202012Validator:
    registry = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec()))
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(operation: str, status: int, body) -> list[str]:
    """Where a reply's body departs from the description's schema for it (empty: it conforms)."""
    schema = OPERATIONS.get((operation, status), ERROR_SCHEMA if status >= 400 else None)
    if schema is None:
        return [f"{operation} declares no {status} response"]
    return [f"{operation} {status}: {error.json_path}: {error.message}"
            for error in validator(schema).iter_errors(body)]


def declared_statuses(operation: str) -> set[int]:
    """The statuses the description declares for an operation."""
    for methods in spec()["paths"].values():
        for detail in methods.values():
            if detail.get("operationId") == operation:
                return {int(status) for status in detail["responses"]}
    raise KeyError(operation)
