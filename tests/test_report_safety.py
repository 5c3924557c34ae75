"""`tracker report` replaces the report whole or not at all, keeps files it did not write, and its Markdown
quotes hostile text as text."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas
import pytest

from conftest import tracker
from tracker.config import Config
from tracker.pipeline import collect
from tracker.reports import page, registry
from tracker.reports.check import Verdict
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.sources import huggingface_source
from tracker.warehouse import db

USER_FILES = {"charts/my-annotations.txt": b"see the March dip\n", "index.html": b"<p>my landing page</p>\n"}


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    """A warehouse of 3,000 Hugging Face models from the stand-in, and a complete report of it by the CLI."""
    folder = tmp_path_factory.mktemp("report-safety")
    con = db.connect(folder / "warehouse.duckdb")
    with HubStandIn(GeneratedEcosystem(3_000, seed=3)) as hub:
        config = Config()
        config.huggingface.endpoint = hub.url
        collect(con, huggingface_source(config), snapshot_date=date(2026, 3, 1))
    con.close()
    tracker("--db", str(folder / "warehouse.duckdb"), "report", "--out", str(folder / "out"), check=True)
    return folder


@pytest.fixture
def previous(reported, tmp_path) -> Path:
    """This test's copy of the warehouse and of the earlier report, with the user's own files in its folder."""
    shutil.copy(reported / "warehouse.duckdb", tmp_path / "warehouse.duckdb")
    shutil.copytree(reported / "out", tmp_path / "out")
    for name, data in USER_FILES.items():
        (tmp_path / "out" / name).write_bytes(data)
    return tmp_path / "out"


def report_command(out: Path) -> list[str]:
    return [sys.executable, "-m", "tracker", "--db", str(out.parent / "warehouse.duckdb"), "report", "--out", str(out)]


def contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_complete(out: Path) -> None:
    """One whole report: the manifest's files and the user's, a finished page, each CSV's rows as listed."""
    manifest = json.loads((out / "manifest.json").read_text())
    found = contents(out)
    assert set(found) == set(manifest["files"]) | {"manifest.json"} | set(USER_FILES)
    assert all(found[name] == data for name, data in USER_FILES.items())
    assert found["report.html"].endswith(b"</html>\n")
    assert b"## Out of scope" in found["report.md"]
    for name, rows in manifest["rows"].items():
        assert csv_rows(out / name) == rows, name


def csv_rows(path: Path) -> int:
    try:
        return len(pandas.read_csv(path))
    except pandas.errors.EmptyDataError:  # a table without columns is written as an empty line
        return 0


def staging_of(out: Path) -> list[Path]:
    return list(out.parent.glob(f".{out.name}.tracker-new-*"))


def staged(out: Path, pattern: str) -> int:
    return sum(1 for folder in staging_of(out) for _ in folder.glob(pattern))


MOMENTS = {
    "the staging folder appears": lambda out, inode: bool(staging_of(out)),
    "three charts are drawn": lambda out, inode: staged(out, "charts/*.png") >= 3,
    "the Markdown is written": lambda out, inode: staged(out, "report.md") > 0,
    "the manifest is written": lambda out, inode: staged(out, "manifest.json") > 0,
    "the new report is in place": lambda out, inode: out.exists() and out.stat().st_ino != inode,
}


CAUGHT_MID_WAY = ("the staging folder appears", "three charts are drawn")


@pytest.mark.parametrize("moment", MOMENTS)
def test_kill_9_at_any_moment_leaves_the_previous_report_or_the_new_one(previous, moment):
    out, before = previous, contents(previous)
    inode, reached = out.stat().st_ino, MOMENTS[moment]
    process = subprocess.Popen(report_command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while process.poll() is None and not reached(out, inode):
        pass
    process.send_signal(signal.SIGKILL)
    process.wait()
    if moment in CAUGHT_MID_WAY:  # these moments last long enough that the kill always lands in them
        assert process.returncode == -signal.SIGKILL
    if contents(out) != before:  # not the previous report: then the whole new one
        assert out.stat().st_ino != inode
    assert_complete(out)


def test_the_next_report_after_a_kill_clears_what_the_killed_one_left(previous):
    out = previous
    process = subprocess.Popen(report_command(out), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while process.poll() is None and not staged(out, "charts/*.png"):
        pass
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = subprocess.run(report_command(out), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert_complete(out)
    assert not staging_of(out)


def test_out_naming_an_existing_file_is_one_line_and_the_file_is_untouched(reported, tmp_path):
    target = tmp_path / "report.html"
    target.write_bytes(b"precious")
    result = tracker("--db", str(reported / "warehouse.duckdb"), "report", "--out", str(target))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1), result.stderr
    assert "is a file, not a folder" in result.stderr and target.read_bytes() == b"precious"


HOSTILE = "evil/<script>alert(1)</script>|`rm -rf`|*bold*[link](http://x)"


def test_markdown_tables_quote_model_names_as_text():
    table = page.md_table(pandas.DataFrame([{"model_id": HOSTILE, "downloads": 5}]))
    header, rule, row = table.splitlines()
    assert "<script" not in table and "&lt;script&gt;" in row
    assert row.count("|") - row.count("\\|") == header.count("|")  # the cell's pipes split no column
    assert "\\`rm -rf\\`" in row and "\\*bold\\*" in row and "\\[link\\]" in row


def test_markdown_claim_sections_quote_their_texts_as_text():
    claim = replace(registry.load()["modelscope-scale"], section="§3", id="a`b", statement=HOSTILE,
                    statement_zh="中文", method="<b>m</b>")
    result = Verdict(claim, "supported", HOSTILE, HOSTILE, "1", None, [])
    text = page.md_claim(result, "") + page.md_summary([result])
    assert "<script" not in text and "<b>" not in text
    assert "``a`b``" in text  # an id with a backtick stays one code span
