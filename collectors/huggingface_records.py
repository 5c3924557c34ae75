"""A Hugging Face Hub listing page: checked as it arrives, staged as the bytes it came as, read in SQL.

One reading of a Hub record, wherever it comes from (the collector's pages, a backfilled snapshot file's
batches, the doctor's sample page): at the run's merge, DuckDB reads the staged page bodies
(`warehouse/queries/load_staged_huggingface_typed_pages.sql` or `load_staged_huggingface_pages.sql`, see
below) and `stage_huggingface_items.sql` turns them into model and lineage rows.

A page is checked on arrival with msgspec against the one shape the reader relies on (a JSON array of
objects, each with a non-empty string `id`), so a malformed page fails the run at that page and the
pages before it stay staged. msgspec validates the whole document in C, skipping the fields it is not
asked for without making Python objects of them: measured 0.78 µs of CPU per model where `json.loads`
takes 9.9 (the 100k stand-in's pages, 2026-12-01).

The same check tells the two kinds of page apart: one whose every field the warehouse keeps has the type
the Hub documents (TYPED_PAGE_KIND, read with native types) and any other (PAGE_KIND, each field read as
JSON and judged). Checking the types costs ~0.5 µs of CPU per model; reading a page natively saves ~7 µs
(1,000,000 models read into typed items: 5.8 s of CPU against 13.0 s; benchmarks/FINDINGS.md).
"""

from __future__ import annotations

import re
from typing import Annotated, NamedTuple

import msgspec

from tracker.collectors.records import CollectorError, without_lone_surrogates

HUB = "huggingface"
# The record kinds of a staged page body (staged as JSON, not Parquet): any page, and a page of documented types.
PAGE_KIND, TYPED_PAGE_KIND = "huggingface_pages", "huggingface_typed_pages"
ModelId = Annotated[str, msgspec.Meta(min_length=1)]
Count = Annotated[int, msgspec.Meta(ge=-2**63, le=2**63 - 1)]  # a BIGINT


class _Model(msgspec.Struct, gc=False):
    id: ModelId


class _Card(msgspec.Struct, gc=False):
    license: str | None = None
    base_model: str | list[str] | None = None
    base_model_relation: str | None = None


class _TypedModel(msgspec.Struct, gc=False):
    """A listing's model as the Hub documents it (ModelInfo's fields): the fields the warehouse keeps."""

    id: ModelId
    author: str | None = None
    createdAt: str | None = None
    lastModified: str | None = None
    pipeline_tag: str | None = None
    library_name: str | None = None
    tags: list[str] | None = None
    gated: bool | str | None = None
    private: bool | None = None
    downloads: Count | None = None
    downloadsAllTime: Count | None = None
    likes: Count | None = None
    cardData: _Card | None = None
    baseModels: None = None  # served by a model's own page only; a page holding it is read as any page


_PAGE = msgspec.json.Decoder(list[_Model])
_TYPED_PAGE = msgspec.json.Decoder(list[_TypedModel])
AT_MODEL = re.compile(r" - at `\$\[(\d+)\].*`$")
# In a JSON string: an escaped backslash, a surrogate pair (one character), or a lone surrogate (none).
SURROGATE_ESCAPE = re.compile(rb"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                              rb"|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
REPLACEMENT_ESCAPE = rb"\ufffd"


class CheckedPage(NamedTuple):
    kind: str      # PAGE_KIND or TYPED_PAGE_KIND
    body: bytes    # as served, but for lone surrogate escapes (see without_lone_surrogate_escapes)
    models: int


def check_page(body: bytes, number: int) -> CheckedPage:
    """A page body known to be a JSON array of models with ids: its record kind, the body to stage and
    its number of models."""
    try:  # msgspec skips the fields it does not read unlooked-at; DuckDB's reader checks them all
        body.decode("utf-8")
    except UnicodeDecodeError as error:  # huggingface_hub's own reading (Python's json) refuses it too
        raise CollectorError(f"Hugging Face page {number} is not valid UTF-8 (byte {error.start:,})") from None
    try:
        return _checked(body, number)
    except msgspec.DecodeError as error:
        repaired = without_lone_surrogate_escapes(body)  # msgspec refuses a page holding one, in any field
        if repaired == body:
            raise CollectorError(f"Hugging Face page {number} is not valid JSON: {error}") from None
    try:
        return _checked(repaired, number)
    except msgspec.DecodeError as error:
        raise CollectorError(f"Hugging Face page {number} is not valid JSON: {error}") from None


def _checked(body: bytes, number: int) -> CheckedPage:
    """The page as the typed kind if every field has its documented type, else as any page of models
    with ids; msgspec.DecodeError if it is not JSON."""
    try:
        return CheckedPage(TYPED_PAGE_KIND, body, len(_TYPED_PAGE.decode(body)))
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        pass
    try:
        return CheckedPage(PAGE_KIND, body, len(_PAGE.decode(body)))
    except RecursionError:  # a card is the model's own YAML: it may nest without end
        raise CollectorError(f"Hugging Face page {number} is nested too deeply to read") from None
    except msgspec.ValidationError as error:
        raise CollectorError(_invalid(str(error), number)) from None


def without_lone_surrogate_escapes(body: bytes) -> bytes:
    """The body with each escaped lone surrogate (`"\\ud800"`: legal JSON, but no character) as U+FFFD.

    Python's json, and so huggingface_hub, reads one into a string no UTF-8 text can hold; msgspec and
    DuckDB refuse the page (docs/api-contracts.md).
    """
    return SURROGATE_ESCAPE.sub(lambda m: REPLACEMENT_ESCAPE if len(m[0]) == 6 else m[0], body)


def _invalid(problem: str, number: int) -> str:
    """msgspec's `Expected `str`, got `int` - at `$[5].id`` as the page and model it is about."""
    model = AT_MODEL.search(problem)
    if model is None:
        return f"Hugging Face page {number}: expected a JSON array of models ({problem})"
    detail = problem[:model.start()]
    return f"Hugging Face page {number}, model {int(model[1]) + 1}: record has no 'id' ({detail})"


def encode_page(items: list[dict]) -> bytes:
    """API objects (a snapshot file's batch) as the page body the Hub would have served."""
    try:
        return msgspec.json.encode(items)
    except UnicodeEncodeError:  # a lone surrogate from a file's JSON text, as a page would have it repaired
        return msgspec.json.encode(without_lone_surrogates(items))
