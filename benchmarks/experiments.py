"""EXPERIMENTS, NOT SHIPPED: candidate fixes for the collection's cost, measured by monkeypatching the
project's code inside a benchmark subprocess only. Nothing here changes the project; each patch
names the function it replaces, so a fix can be applied for real once it is shown to pay.

    python -m benchmarks.experiments PATCHES -- <tracker arguments>     (the runner; PATCHES: a,b or -)

Patches:
  orjson       collectors/huggingface.py `_json`: orjson.loads(response.content) instead of
               response.json() (stdlib json). Needs orjson (installed for the experiment into
               benchmarks/.deps, not into the venv).
  fastparse    collectors/huggingface.py `parse_page`: the same records, computed with fewer
               passes: tags filtered once per item (not twice), timestamps in the Hub's own form
               (`...T..:..:...mmmZ`) parsed by one fromisoformat on the text without the Z (exactly
               the value timestamp() gives), the other forms through timestamp() as now.
  arrowschema  warehouse/load.py `_stage`: pa.Table.from_pylist(rows, schema=<the staging table's
               types>) instead of letting Arrow infer the types of every page.
  rawjson      The structural one. The collector stages each page's body as it came (one JSON
               row per page, validated as an array of objects with ids, in the same transaction as
               the checkpoint) and the run's end expands every staged page into stage_models and
               stage_lineage with DuckDB's JSON reader (C++, all cores) in SQL equivalent to
               model_record / lineage_records. Replaces fetch_model_pages' parsing, _stage for
               that kind and adds one statement file before merge_staged_models.
  noreadahead  collectors/huggingface.py `read_ahead` replaced by the identity: each page requested
               only once the last is stored (what the read-ahead gives).
  (bigwal, memlimit and closeckpt, measured in the first pass, were adopted by the project as
  warehouse/db.py `collection_settings` and removed from here: they no longer change anything.)
  nomerge      (analysis only) pipeline's merge at the run's end skipped, leaving the staged pages,
               so benchmarks can time merge_staged_models statement by statement.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from benchmarks import measure

HERE = Path(__file__).resolve().parent
DEPS = HERE / ".deps"

# --------------------------------------------------------------------------------------------------
# the patches (applied in the runner subprocess only)


def patch_orjson() -> None:
    sys.path.append(str(DEPS))
    import orjson
    from tracker.collectors import huggingface as hf

    def _json(response, url, number):
        try:
            return orjson.loads(response.content)
        except ValueError as error:
            raise hf.CollectorError(f"Hugging Face page {number} ({hf._display(url)}) is not valid JSON: {error}") from None

    hf._json = _json


def fast_parse_page(items, number: int = 1):
    from tracker.collectors import huggingface as hf
    from tracker.collectors import records as rec
    from tracker.collectors.records import CollectorError

    # the project renames helpers as it goes: take whichever spelling the current code has
    timestamp = getattr(rec, "as_timestamp", None) or getattr(hf, "as_timestamp", None) or hf.timestamp
    excerpt = getattr(rec, "excerpt", None) or hf._excerpt
    as_int = getattr(hf, "as_int", None) or rec.as_int
    if not isinstance(items, list):
        raise CollectorError(f"Hugging Face page {number}: expected a JSON array of models, got {type(items).__name__}")
    relations, order = hf.RELATIONS, hf.PROVENANCE_ORDER
    fromiso = datetime.fromisoformat
    models, edges = [], []
    for position, item in enumerate(items, 1):
        model_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(model_id, str) or not model_id:
            raise CollectorError(f"Hugging Face page {number}, model {position}: record has no 'id': {excerpt(item)}")
        raw = item.get("tags")
        tags = [t for t in raw if isinstance(t, str)] if isinstance(raw, list) else []
        card = item.get("cardData")
        card = card if isinstance(card, dict) else {}
        stamps = []
        for key in ("createdAt", "lastModified"):
            value = item.get(key)
            if isinstance(value, str) and len(value) == 24 and value[23] == "Z" and value[10] == "T":
                try:
                    stamps.append(fromiso(value[:23]))
                    continue
                except ValueError:
                    pass
            stamps.append(timestamp(value))
        license_ = None
        for tag in tags:
            if tag.startswith("license:"):
                license_ = tag[8:]
                break
        else:
            value = card.get("license")
            license_ = value if isinstance(value, str) and value else None
        author = item.get("author")
        gated = item.get("gated")
        private = item.get("private")
        pipeline_tag, library_name = item.get("pipeline_tag"), item.get("library_name")
        models.append({
            "hub": "huggingface", "model_id": model_id,
            "author": author if isinstance(author, str) and author else
            (model_id.split("/")[0] if "/" in model_id else None),
            "created_at": stamps[0], "last_modified": stamps[1],
            "pipeline_tag": pipeline_tag if isinstance(pipeline_tag, str) and pipeline_tag else None,
            "library_name": library_name if isinstance(library_name, str) and library_name else None,
            "license": license_, "tags": tags,
            "gated": ("true" if gated else "false") if isinstance(gated, bool) else
            (gated if isinstance(gated, str) and gated else None),
            "private": private if isinstance(private, bool) else None,
            "downloads": as_int(item.get("downloads")),
            "downloads_all_time": as_int(item.get("downloadsAllTime")), "likes": as_int(item.get("likes")),
        })
        # lineage: the same candidates in the same order as _declared_parents, the same precedence
        found: dict = {}
        candidates = []
        base = item.get("baseModels")
        if isinstance(base, dict):
            relation = base.get("relation")
            relation = relation if relation in relations else "unknown"
            for model in base.get("models") or []:
                parent = model.get("id") if isinstance(model, dict) else model
                if isinstance(parent, str):
                    candidates.append((parent, relation, "baseModels"))
        for tag in tags:
            if tag.startswith("base_model:"):
                candidates.append(hf._tag_edge(tag[11:]))
        declared = card.get("base_model") if card else None
        if isinstance(declared, str):
            candidates.append((declared, "unknown", "card"))
        elif isinstance(declared, list):
            candidates += [(p, "unknown", "card") for p in declared if isinstance(p, str)]
        for parent, relation, provenance in candidates:
            parent = hf.normalise_model_id(parent)
            if not parent:
                continue
            current = found.get(parent)
            if current is None:
                found[parent] = (relation, provenance)
            elif (relation == "unknown") != (current[0] == "unknown"):
                if current[0] == "unknown":
                    found[parent] = (relation, provenance)
            elif order.index(provenance) < order.index(current[1]):
                found[parent] = (relation, provenance)
        for parent, (relation, provenance) in found.items():
            edges.append({"hub": "huggingface", "child_id": model_id, "parent_id": parent, "relation": relation,
                          "provenance": provenance})
    return {"models": models, "lineage": edges}


def patch_fastparse() -> None:
    from tracker.collectors import huggingface as hf
    hf.parse_page = fast_parse_page


def staging_schemas():
    import pyarrow as pa
    text = pa.string()
    return {
        "models": pa.schema([("hub", text), ("model_id", text), ("author", text), ("created_at", pa.timestamp("us")),
                             ("last_modified", pa.timestamp("us")), ("pipeline_tag", text), ("library_name", text),
                             ("license", text), ("tags", pa.list_(text)), ("gated", text), ("private", pa.bool_()),
                             ("downloads", pa.int64()), ("downloads_all_time", pa.int64()), ("likes", pa.int64())]),
        "lineage": pa.schema([("hub", text), ("child_id", text), ("parent_id", text), ("relation", text),
                              ("provenance", text)]),
    }


def patch_arrowschema() -> None:
    import pyarrow as pa
    from tracker.warehouse import load
    schemas = staging_schemas()

    def _stage(con, kind, rows, run_id, page):
        if not rows:
            return
        schema = schemas.get(kind)
        table = pa.Table.from_pylist(rows, schema=schema) if schema else pa.Table.from_pylist(rows)
        con.register("page_rows", table)
        try:
            con.execute(f"INSERT INTO {load.STAGING_PREFIX}{kind} BY NAME "
                        "SELECT $run_id AS run_id, $page AS page, * FROM page_rows", {"run_id": run_id, "page": page})
        finally:
            con.unregister("page_rows")

    load._stage = _stage


# --- rawjson ------------------------------------------------------------------------------------

RAW_TABLE = """CREATE TABLE IF NOT EXISTS stage_raw_pages (
    run_id INTEGER NOT NULL, page INTEGER NOT NULL, models INTEGER NOT NULL, body JSON NOT NULL)"""

# One statement per page: the body is cast to JSON (rejecting malformed JSON), and must be an array
# of objects each with a non-empty string id, as parse_page demands; else the page's transaction fails.
RAW_INSERT = """
INSERT INTO stage_raw_pages
SELECT $run_id, $page, json_array_length(b), b
FROM (SELECT $body::JSON AS b)
WHERE json_type(b) = 'ARRAY'
  AND len(list_filter(json_extract(b, '$[*].id'), lambda x: json_type(x) = 'VARCHAR' AND x->>'$' <> ''))
      = json_array_length(b)
"""

# One pass of DuckDB's JSON reader over every staged page. Fields whose leniency rules depend on the
# JSON type (as_text, as_int, as_bool, _gated, timestamps) are read as JSON and converted by
# json_type below, so a number where text is expected becomes NULL, as in model_record.
ITEM_SCHEMA = json.dumps([{
    "id": "VARCHAR", "author": "JSON", "createdAt": "JSON", "lastModified": "JSON", "pipeline_tag": "JSON",
    "library_name": "JSON", "tags": ["JSON"], "gated": "JSON", "private": "JSON", "downloads": "JSON",
    "downloadsAllTime": "JSON", "likes": "JSON", "cardData": {"license": "JSON", "base_model": "JSON"},
    "baseModels": {"relation": "JSON", "models": ["JSON"]}}], separators=(",", ":"))
RELATIONS_SQL = "('finetune', 'adapter', 'quantized', 'merge')"


def _text(j: str) -> str:
    return f"CASE WHEN json_type({j}) = 'VARCHAR' THEN nullif({j}->>'$', '') END"


def _int(j: str) -> str:
    return (f"CASE json_type({j}) WHEN 'BIGINT' THEN {j}::BIGINT WHEN 'UBIGINT' THEN {j}::BIGINT "
            f"WHEN 'DOUBLE' THEN trunc({j}::DOUBLE)::BIGINT "
            f"WHEN 'VARCHAR' THEN CASE WHEN regexp_full_match(trim({j}->>'$'), '-?[0-9]+') "
            f"THEN trim({j}->>'$')::BIGINT END END")


def _stamp(j: str) -> str:
    return f"CASE WHEN json_type({j}) = 'VARCHAR' THEN try_cast({j}->>'$' AS TIMESTAMPTZ) AT TIME ZONE 'UTC' END"


RAW_EXPAND = [
    "SET TimeZone = 'UTC'",
    f"""CREATE OR REPLACE TEMP TABLE raw_items AS
SELECT page, i.id AS model_id, i.author, i.createdAt, i.lastModified, i.pipeline_tag, i.library_name,
       coalesce(list_transform(list_filter(i.tags, lambda t: json_type(t) = 'VARCHAR'), lambda t: t->>'$'), [])
           AS tags,
       i.gated, i.private, i.downloads, i.downloadsAllTime, i.likes,
       i.cardData.license AS card_license, i.cardData.base_model AS card_base,
       i.baseModels.relation AS base_relation, i.baseModels.models AS base_models
FROM (SELECT page, unnest(from_json(body, '{ITEM_SCHEMA}')) AS i FROM stage_raw_pages
      WHERE run_id = $run_id AND page BETWEEN $first AND $last)""",
    f"""INSERT INTO stage_models BY NAME
SELECT $run_id AS run_id, page, 'huggingface' AS hub, model_id,
       coalesce({_text('author')}, CASE WHEN contains(model_id, '/') THEN split_part(model_id, '/', 1) END) AS author,
       {_stamp('createdAt')} AS created_at, {_stamp('lastModified')} AS last_modified,
       {_text('pipeline_tag')} AS pipeline_tag, {_text('library_name')} AS library_name,
       coalesce(list_filter(tags, lambda t: starts_with(t, 'license:'))[1][9:], {_text('card_license')}) AS license,
       tags,
       CASE json_type(gated) WHEN 'BOOLEAN' THEN gated::VARCHAR ELSE {_text('gated')} END AS gated,
       CASE WHEN json_type(private) = 'BOOLEAN' THEN private::BOOLEAN END AS private,
       {_int('downloads')} AS downloads, {_int('downloadsAllTime')} AS downloads_all_time, {_int('likes')} AS likes
FROM raw_items""",
    f"""INSERT INTO stage_lineage BY NAME
WITH candidates AS (
    -- baseModels: one relation for all its models (rank 0)
    SELECT page, model_id AS child_id,
           CASE json_type(m) WHEN 'OBJECT' THEN CASE WHEN json_type(m, '$.id') = 'VARCHAR' THEN m->>'$.id' END
                             WHEN 'VARCHAR' THEN m->>'$' END AS parent,
           CASE WHEN json_type(base_relation) = 'VARCHAR' AND base_relation->>'$' IN {RELATIONS_SQL}
                THEN base_relation->>'$' ELSE 'unknown' END AS relation,
           0 AS rank, n
    FROM (SELECT page, model_id, base_relation, unnest(base_models) AS m, generate_subscripts(base_models, 1) AS n
          FROM raw_items WHERE len(base_models) > 0)
    UNION ALL
    -- base_model:<relation>:<id> and base_model:<id> tags (rank 1), as _tag_edge splits them
    SELECT page, child_id,
           CASE WHEN known THEN substr(rest, strpos(rest, ':') + 1) ELSE rest END,
           CASE WHEN known THEN split_part(rest, ':', 1) ELSE 'unknown' END, 1, n
    FROM (SELECT *, split_part(rest, ':', 1) IN {RELATIONS_SQL} AND contains(rest, ':')
                    AND substr(rest, strpos(rest, ':') + 1) <> '' AS known
          FROM (SELECT page, model_id AS child_id, unnest(bt)[12:] AS rest, generate_subscripts(bt, 1) AS n
                FROM (SELECT page, model_id, list_filter(tags, lambda t: starts_with(t, 'base_model:')) AS bt
                      FROM raw_items) WHERE len(bt) > 0))
    UNION ALL
    -- the card's base_model, a string or a list of strings (rank 2)
    SELECT page, child_id, unnest(ps), 'unknown', 2, generate_subscripts(ps, 1)
    FROM (SELECT page, model_id AS child_id,
                 CASE json_type(card_base) WHEN 'VARCHAR' THEN [card_base->>'$']
                      WHEN 'ARRAY' THEN list_transform(list_filter(from_json(card_base, '["JSON"]'),
                                                                   lambda p: json_type(p) = 'VARCHAR'),
                                                       lambda p: p->>'$') END AS ps
          FROM raw_items WHERE card_base IS NOT NULL)
),
-- normalise_model_id: strip, drop an https://huggingface.co/ then an hf.co/ prefix, strip '/'
normalised AS (
    SELECT page, child_id, relation,
           -- _better's order: a known relation first, then the more direct form, then the first named
           (relation = 'unknown')::INTEGER * 4000000 + rank * 1000000 + n AS preference,
           nullif(trim(regexp_replace(trim(parent, ' \t\n\r\x0b\x0c'),
                                      '^(https://huggingface[.]co/)?(hf[.]co/)?', ''), '/'), '') AS parent_id
    FROM candidates
)
SELECT $run_id AS run_id, page, 'huggingface' AS hub, child_id, parent_id,
       arg_min(relation, preference) AS relation,
       ['baseModels', 'tag', 'card'][arg_min(preference, preference) // 1000000 % 4 + 1] AS provenance
FROM normalised WHERE parent_id IS NOT NULL
GROUP BY page, child_id, parent_id""",
    "DROP TABLE raw_items",
]
RAW_BATCH_PAGES = 100  # pages expanded per batch: bounds the temporary table at ~100k items


def expand_raw_pages(con, run_id: int) -> None:
    """Expand a run's staged raw pages into stage_models and stage_lineage, batch by batch, then drop them."""
    first, last = con.execute("SELECT min(page), max(page) FROM stage_raw_pages WHERE run_id = $run_id",
                              {"run_id": run_id}).fetchone()
    if first is None:
        return
    for low in range(first, last + 1, RAW_BATCH_PAGES):
        values = {"run_id": run_id, "first": low, "last": low + RAW_BATCH_PAGES - 1}
        for statement in RAW_EXPAND:
            con.execute(statement, {k: v for k, v in values.items() if f"${k}" in statement})
    con.execute("DELETE FROM stage_raw_pages WHERE run_id = $run_id", {"run_id": run_id})


def patch_rawjson() -> None:
    from tracker.collectors import huggingface as hf
    from tracker.collectors.records import CollectorError, Page
    from tracker.warehouse import db, load, sql

    def fetch_model_pages(settings, resume_from=None):
        api = settings.api()
        headers = hf.build_hf_headers(token=api.token)
        url, params = resume_from or f"{api.endpoint}/api/models", None if resume_from else hf._params(settings)
        number = 0
        while url:
            number += 1
            response = hf._get(url, params, headers, settings, number)
            next_url = response.links.get("next", {}).get("url")
            yield Page({"raw_pages": [{"body": response.text}]}, next_url)
            url, params = next_url, None

    hf.fetch_model_pages = fetch_model_pages

    original_stage = load._stage

    def _stage(con, kind, rows, run_id, page):
        if kind != "raw_pages":
            return original_stage(con, kind, rows, run_id, page)
        import duckdb
        try:
            inserted = con.execute(RAW_INSERT, {"run_id": run_id, "page": page, "body": rows[0]["body"]}).fetchone()[0]
        except duckdb.Error as error:
            raise CollectorError(f"Hugging Face page {page} is not valid JSON: {str(error).splitlines()[0]}") from None
        if inserted != 1:
            raise CollectorError(f"Hugging Face page {page}: expected a JSON array of models, each with an 'id'")

    load._stage = _stage

    original_migrate = db.migrate

    def migrate(con):
        version = original_migrate(con)
        con.execute(RAW_TABLE)
        return version

    db.migrate = migrate

    original_run = sql.run

    def run(con, name, folder="queries", **params):
        if name == "merge_staged_models":
            expand_raw_pages(con, params["run_id"])
        return original_run(con, name, folder, **params)

    sql.run = run


def patch_noreadahead() -> None:
    """The collection as before the read-ahead: each page requested only once the last is stored."""
    from tracker.collectors import huggingface
    huggingface.read_ahead = lambda pages: pages


def patch_nomerge() -> None:
    from tracker.warehouse import load
    load.merge_run = lambda con, run, merge_query, complete, full_catalog: None


PATCHES = {"noreadahead": patch_noreadahead, "nomerge": patch_nomerge, "orjson": patch_orjson,
           "fastparse": patch_fastparse, "arrowschema": patch_arrowschema, "rawjson": patch_rawjson}


def runner(argv: list[str]) -> int:
    """`python -m benchmarks.experiments PATCHES -- tracker args`: patch, then run the real CLI's main()."""
    names, rest = argv[0], argv[argv.index("--") + 1:]
    for spec in filter(None, names.split(",")):
        if spec != "-":
            name, _, arg = spec.partition("=")
            PATCHES[name](*([arg] if arg else []))
    from tracker import cli
    return cli.main(rest)


# --------------------------------------------------------------------------------------------------
# the measurements (in the benchmark process)

VARIANTS = [
    ("baseline (the project as it is)", "-"),
    ("noreadahead (each page requested only once the last is stored)", "noreadahead"),
    ("orjson", "orjson"),
    ("fastparse", "fastparse"),
    ("arrowschema", "arrowschema"),
    ("orjson+fastparse+arrowschema", "orjson,fastparse,arrowschema"),
    ("rawjson (DuckDB parses the pages)", "rawjson"),
]

COMPARE = {
    "models": "SELECT hub, model_id, author, created_at, last_modified, pipeline_tag, library_name, license, tags, "
              "gated, private, first_seen, last_seen, gone_since FROM {db}.models",
    "lineage": "SELECT hub, child_id, parent_id, relation, provenance FROM {db}.lineage",
    "snapshots": "SELECT m.hub, m.model_id, f.snapshot_date, f.downloads, f.downloads_all_time, f.likes "
                 "FROM {db}.model_snapshot_facts f JOIN {db}.models m USING (model_key)",
}


def same_warehouse(a: Path, b: Path) -> dict:
    """Rows of models, lineage and snapshots present in one warehouse and not the other."""
    import duckdb
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for name, query in COMPARE.items():
        qa, qb = query.format(db="a"), query.format(db="b")
        diff = con.execute(f"SELECT (SELECT count(*) FROM ({qa} EXCEPT ALL {qb})), "
                           f"(SELECT count(*) FROM ({qb} EXCEPT ALL {qa}))").fetchone()
        out[name] = diff[0] + diff[1]
    con.close()
    return out


def micro(bench, variants=True) -> dict:
    """Each stage of the per-page work, in-process, over every cached page, one page at a time (as the
    collector goes). The project's path stages into one warehouse, the rawjson path into another."""
    import gc

    import pyarrow as pa
    from tracker.collectors import huggingface as hf
    from tracker.warehouse import db as wdb

    sys.path.append(str(DEPS))
    cache = next(iter(bench.hub.caches.values()))
    starts = sorted(cache.index)
    totals: dict[str, float] = {}

    def add(key, seconds):
        totals[key] = totals.get(key, 0.0) + seconds

    schemas = staging_schemas()
    try:
        import orjson
    except ImportError:
        orjson = None
    paths = [bench.work / "micro-project.duckdb", bench.work / "micro-rawjson.duckdb"]
    for path in paths:
        for p in (path, Path(str(path) + ".wal")):
            p.unlink(missing_ok=True)
    con, raw_con = wdb.connect(paths[0]), wdb.connect(paths[1])
    raw_con.execute(RAW_TABLE)
    differing_pages = 0
    gc.collect()
    for page, start in enumerate(starts, 1):
        body = cache.get(start)[0]
        t0 = time.perf_counter()
        items = json.loads(body)
        t1 = time.perf_counter()
        records = hf.parse_page(items)
        t2 = time.perf_counter()
        models, lineage = pa.Table.from_pylist(records["models"]), pa.Table.from_pylist(records["lineage"])
        t3 = time.perf_counter()
        con.begin()
        for kind, table in (("models", models), ("lineage", lineage)):
            con.register("page_rows", table)
            con.execute(f"INSERT INTO stage_{kind} BY NAME SELECT 1 AS run_id, $page AS page, * FROM page_rows",
                        {"page": page})
            con.unregister("page_rows")
        t4 = time.perf_counter()
        con.commit()
        t5 = time.perf_counter()
        add("json.loads (stdlib, as response.json())", t1 - t0)
        add("parse_page", t2 - t1)
        add("pa.Table.from_pylist (inferred types)", t3 - t2)
        add("staging INSERT x2 (DuckDB, from Arrow)", t4 - t3)
        add("COMMIT (per page)", t5 - t4)
        if variants:
            if orjson:
                t = time.perf_counter()
                orjson.loads(body)
                add("[exp] orjson.loads", time.perf_counter() - t)
            t = time.perf_counter()
            fast = fast_parse_page(items)
            add("[exp] fast parse_page", time.perf_counter() - t)
            differing_pages += fast != records
            t = time.perf_counter()
            pa.Table.from_pylist(records["models"], schema=schemas["models"])
            pa.Table.from_pylist(records["lineage"], schema=schemas["lineage"])
            add("[exp] pa.Table.from_pylist with the staging schema", time.perf_counter() - t)
            t = time.perf_counter()
            text = body.decode()
            raw_con.begin()
            raw_con.execute(RAW_INSERT, {"run_id": 1, "page": page, "body": text})
            t6 = time.perf_counter()
            raw_con.commit()
            add("[exp] rawjson: INSERT raw page (+ JSON validation)", t6 - t)
            add("[exp] rawjson: COMMIT (per page)", time.perf_counter() - t6)
        del items, records, models, lineage
    con.close()
    if variants:
        t = time.perf_counter()
        raw_con.begin()
        expand_raw_pages(raw_con, 1)
        raw_con.commit()
        add("[exp] rawjson: expand every staged page in SQL (run end)", time.perf_counter() - t)
        # the SQL expansion must stage exactly what the Python parser staged
        raw_con.execute(f"ATTACH '{paths[0]}' AS project (READ_ONLY)")
        diff = 0
        for table in ("stage_models", "stage_lineage"):
            diff += raw_con.execute(f"""
                SELECT (SELECT count(*) FROM (SELECT * FROM project.{table} EXCEPT ALL SELECT * FROM main.{table}))
                     + (SELECT count(*) FROM (SELECT * FROM main.{table} EXCEPT ALL SELECT * FROM project.{table}))
            """).fetchone()[0]
        totals["[check] pages where fast parse_page differs from the project's parse_page"] = float(differing_pages)
        totals["[check] rows rawjson staged differently from parse_page + Arrow (models, lineage)"] = float(diff)
    raw_con.close()
    if variants:
        totals.update(page_files(cache, starts, bench.work / "page-files"))
    for path in paths:
        for p in (path, Path(str(path) + ".wal")):
            p.unlink(missing_ok=True)
    return {k: round(v, 3) for k, v in totals.items()}


READ_JSON_COLUMNS = {
    "id": "VARCHAR", "author": "VARCHAR", "createdAt": "VARCHAR", "lastModified": "VARCHAR",
    "pipeline_tag": "VARCHAR", "library_name": "VARCHAR", "tags": "VARCHAR[]", "gated": "JSON", "private": "JSON",
    "downloads": "JSON", "downloadsAllTime": "JSON", "likes": "JSON",
    "cardData": "STRUCT(license JSON, base_model JSON)", "baseModels": "STRUCT(relation JSON, models JSON[])"}


def page_files(cache, starts, folder: Path) -> dict:
    """The structural alternative's two costs: each page body appended durably to a file of its own
    (write + fsync, what a per-page checkpoint would need besides a one-row ledger update), and
    DuckDB's native read_json over all of them at the run's end (parallel C++; typed columns, JSON
    for the fields whose leniency rules need the JSON type)."""
    import shutil

    import duckdb
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    for number, start in enumerate(starts, 1):
        with open(folder / f"page-{number:06d}.json", "wb") as handle:
            handle.write(cache.get(start)[0])
            handle.flush()
            os.fsync(handle.fileno())
    written = time.perf_counter() - started
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(f"CREATE TABLE items AS SELECT * FROM read_json('{folder}/*.json', format = 'array', "
                f"filename = true, columns = {READ_JSON_COLUMNS!r})")  # every column materialised
    rows = con.execute("SELECT count(*) FROM items").fetchone()[0]
    read = time.perf_counter() - started
    con.close()
    shutil.rmtree(folder, ignore_errors=True)
    return {"[exp] page files: write + fsync per page": written,
            f"[exp] page files: DuckDB read_json of all ({rows:,} items, typed columns)": read}


def run_all(bench, log, rounds: int | None = None) -> dict:
    """Every variant as a real `tracker collect` subprocess into a fresh warehouse, interleaved; its
    warehouse compared row for row with the baseline's."""
    rounds = rounds or bench.args.repeat
    chosen = getattr(bench.args, "variants", None)
    variants = [v for v in VARIANTS if not chosen or v[1] in chosen.split(";") or v is VARIANTS[0]]
    results: dict[str, list] = {name: [] for name, _ in variants}
    dbs = {}
    raw = []
    errors: dict[str, str] = {}
    for attempt in range(rounds):
        m, _ = bench.rawfetch("requests")
        raw.append(m.wall)
        for name, patches in variants:
            db = bench.work / f"exp-{patches.replace(',', '+').replace('=', '').replace('-', 'baseline')}.duckdb"
            for p in (db, Path(str(db) + ".wal")):
                p.unlink(missing_ok=True)
            m = measure.run([sys.executable, "-m", "benchmarks.experiments", patches, "--", "--db", str(db),
                             "collect", "huggingface"], env=bench.env, cwd=bench.work,
                            stderr_path=bench.work / f"exp-{patches}.stderr")
            if m.returncode != 0:
                lines = m.stderr_tail.strip().splitlines()
                errors[name] = next((line for line in reversed(lines) if "Error" in line or "error" in line),
                                    lines[-1] if lines else "failed")[:200]
                log(f"  experiment {name}: FAILED after {m.wall:.1f}s ({errors[name]})")
                continue
            results[name].append({"wall": round(m.wall, 3), "cpu": round(m.cpu, 3), "peak_rss_mb": round(m.peak_rss_mb, 1)})
            dbs[name] = db
            log(f"  experiment {name}: {m.wall:.2f}s wall, {m.cpu:.2f}s cpu, {m.peak_rss_mb:.0f} MB")
    base_name = VARIANTS[0][0]
    best = {name: min(runs, key=lambda r: r["wall"]) for name, runs in results.items() if runs}
    a = min(raw)
    rows = []
    for name, _ in variants:
        if name not in best:
            rows.append({"name": f"{name} — FAILED: {errors.get(name, '?')}", "wall": None})
            continue
        row = {"name": name, **best[name], "vs_raw_wall": round(best[name]["wall"] / a, 2)}
        if name != base_name:
            row["vs_baseline_wall"] = round(best[name]["wall"] / best[base_name]["wall"], 2)
            row["vs_baseline_cpu"] = round(best[name]["cpu"] / best[base_name]["cpu"], 2)
            row["differs_from_baseline"] = same_warehouse(dbs[base_name], dbs[name])
            if any(row["differs_from_baseline"].values()):
                row["name"] += f" ⚠ differs: {row['differs_from_baseline']}"
        rows.append(row)
    log("  per-stage micro-benchmark")
    stages = micro(bench)
    notes = [
        "Each variant is the real CLI (`tracker.cli.main`) in a subprocess with one or more functions replaced "
        "(benchmarks/experiments.py documents each). Every variant's warehouse was compared row for row "
        "(models, lineage, snapshots) with the baseline's; a difference would be flagged ⚠ in the name.",
        f"Rounds: {rounds}, interleaved; best wall of each kept. (a) raw requests fetch in the same run: {a:.2f} s.",
    ]
    return {"rows": rows, "micro": stages, "notes": notes, "raw_wall": a}


if __name__ == "__main__":
    sys.exit(runner(sys.argv[1:]))
