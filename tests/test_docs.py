"""The docs stay honest: the README shows every command, and CI runs exactly the README's commands."""

from __future__ import annotations

import re
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
