"""The docs stay honest: the README shows every command, and CI runs exactly the README's commands."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tracker.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> list[str]:
    subparsers = next(a for a in build_parser()._actions if a.dest == "==SUPPRESS==" or a.choices)
    return sorted(subparsers.choices)


def test_every_command_appears_in_the_readme():
    assert [name for name in commands() if f"tracker {name}" not in README] == []


def test_ci_runs_the_readme_set_up_and_test_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    set_up = re.search(r"## Set up.*?```sh\n(.*?)\n```", README, re.S).group(1)
    tests = re.search(r"## Tests.*?```sh\n(.*?)\n```", README, re.S).group(1)
    assert set_up in ci and tests in ci


def test_every_sql_file_is_used_by_the_code_or_its_tests():
    code = "\n".join(p.read_text(encoding="utf-8") for folder in ("tracker", "collectors", "warehouse", "reports", "tests")
                     for p in (ROOT / folder).rglob("*.py"))
    unused = [p.stem for p in (ROOT / "warehouse" / "queries").glob("*.sql") if f'"{p.stem}"' not in code]
    assert unused == []


def readme_block_after(marker: str) -> list[str]:
    """The command lines of the first ```sh block after `marker` in the README."""
    block = re.search(re.escape(marker) + r".*?```sh\n(.*?)\n```", README, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def as_run_here(line: str) -> list[str]:
    """A README line (`.venv/bin/tracker ...  # comment`) as this test's Python runs it."""
    words = shlex.split(line, comments=True)
    assert words[0] == ".venv/bin/tracker", line
    return [sys.executable, "-m", "tracker", *words[1:]]


def test_the_readmes_demo_then_its_next_commands_answer_from_the_demos_data(tmp_path):
    [demo] = readme_block_after("To see the whole pipeline")
    following = readme_block_after("It says what it is doing")
    clean = {k: v for k, v in os.environ.items() if k not in ("TRACKER_DB", "TRACKER_CONFIG")}
    subprocess.run(as_run_here(demo) + ["--scale", "0.05"], cwd=tmp_path, env=clean, check=True,
                   capture_output=True, timeout=300)
    answer = subprocess.run(as_run_here(following[0]), cwd=tmp_path, env=clean, capture_output=True, text=True,
                            timeout=60)
    ledger = subprocess.run(as_run_here(following[2]), cwd=tmp_path, env=clean, capture_output=True, text=True,
                            timeout=60)

    assert answer.returncode == 0, answer.stderr
    counts = dict(line.split() for line in answer.stdout.splitlines()[1:])
    assert sorted(counts) == ["huggingface", "modelscope"] and all(int(n) > 0 for n in counts.values())
    assert "SIMULATED DATA" in answer.stderr
    assert ledger.returncode == 0 and "succeeded" in ledger.stdout
    assert not (tmp_path / "tracker.duckdb").exists()


def test_the_readme_and_help_list_the_same_exit_codes():
    table = re.search(r"## Exit codes\n(.*?)\n## ", README, re.S).group(1)
    codes = re.findall(r"^\| `(\d+)` \|", table, re.M)
    assert codes == ["0", "1", "2", "3", "4", "130"]
    help_text = " ".join(build_parser().epilog.split())
    assert all(f" {code} " in f" {help_text} " for code in codes)


def test_the_documents_the_readme_names_exist():
    named = set(re.findall(r"`((?:docs|benchmarks)/[\w./-]+\.md)`|\]\(((?:docs|benchmarks)/[\w./-]+\.md)\)", README))
    paths = {path for pair in named for path in pair if path}
    assert "docs/claims.md" in paths
    assert [path for path in sorted(paths) if not (ROOT / path).exists()] == []
