"""`tracker sql` is read-only in fact: it writes no file, reads none but the warehouse, stops when told, streams."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import tracker
from tracker.warehouse import db

ENDLESS = "SELECT count(*) FROM range(1000000000000000)"
# A full sort of 150M rows needs well over the 1GB tracker sql allows: DuckDB would spill it to <db>.tmp/.
SPILLING_SORT = "SELECT count(*) FROM (SELECT range, random() AS r FROM range(150000000) ORDER BY r)"
ESCAPE_NAME = "evil/\x1b]0;owned\x07\x1b[2J\x9bname"


@pytest.fixture
def warehouse(db_file, tmp_path):
    con = db.connect(db_file)
    con.execute("INSERT INTO models (hub, model_id, first_seen, last_seen) VALUES "
                "('huggingface', 'plain/model', DATE '2026-01-01', DATE '2026-01-01'), "
                "('huggingface', ?, DATE '2026-01-01', DATE '2026-01-01')", [ESCAPE_NAME])
    con.close()
    (tmp_path / "tmp").mkdir()
    (tmp_path / "home").mkdir(exist_ok=True)
    return db_file


def sql(db_file: Path, *args: str) -> subprocess.CompletedProcess:
    return tracker("--db", str(db_file), "sql", *args, env={"TMPDIR": str(db_file.parent / "tmp")})


def tree(root: Path) -> dict[str, tuple]:
    """Every file and folder under `root` with its size and modification time: any write changes it."""
    return {p.relative_to(root).as_posix(): (p.is_dir(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


def one_line(result: subprocess.CompletedProcess, code: int = 3) -> str:
    assert (result.returncode, result.stderr.count("\n")) == (code, 1), result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def test_a_query_that_would_spill_fails_in_one_line_and_writes_no_temporary_file(warehouse, tmp_path):
    before = tree(tmp_path)
    result = sql(warehouse, SPILLING_SORT)
    assert "query refused: it needs more than the 1GB" in one_line(result)
    assert not Path(f"{warehouse}.tmp").exists()
    assert tree(tmp_path) == before


@pytest.mark.parametrize("statement", [
    "COPY (SELECT 'echo owned') TO '{db}.tmp/run.sh'",
    "COPY models TO '{tmp}/models.csv'",
    "EXPORT DATABASE '{tmp}/dump'",
    "ATTACH '{tmp}/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET temp_directory = '{tmp}/spill'",
    "SET enable_external_access = true",
    "SET memory_limit = '100GB'",
    "PRAGMA enable_profiling",
    "CALL enable_logging(storage = 'file', storage_path = '{tmp}/log')",
    "CREATE TABLE copied AS SELECT * FROM models",
    "DELETE FROM models",
])
def test_no_statement_writes_a_file_or_loosens_the_settings(warehouse, tmp_path, statement):
    before = tree(tmp_path)
    result = sql(warehouse, statement.format(db=warehouse, tmp=tmp_path))
    assert one_line(result).startswith("tracker: query refused")
    assert tree(tmp_path) == before


@pytest.mark.parametrize("reader", [
    "SELECT * FROM read_csv('{secret}')", "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM read_blob('{secret}')", "SELECT * FROM glob('{folder}/*')",
    "SELECT * FROM '{secret}'", "SELECT * FROM sniff_csv('{secret}')",
])
def test_no_file_outside_the_warehouse_can_be_read(warehouse, tmp_path, reader):
    folder = tmp_path / "private"
    folder.mkdir()
    secret = folder / "secret.csv"
    secret.write_text("password\nhunter2\n")
    result = sql(warehouse, reader.format(secret=secret, folder=folder))
    assert one_line(result).startswith("tracker: query refused")
    assert "hunter2" not in result.stdout + result.stderr and "secret.csv" not in result.stdout


@pytest.mark.parametrize("query", ["", "   ", "-- only a comment", "/* a block comment */ ;"])
def test_an_empty_or_comment_only_query_is_one_line(warehouse, query):
    assert "the query is empty" in one_line(sql(warehouse, query))


def test_several_statements_are_one_line_and_none_runs(warehouse):
    assert "one statement at a time" in one_line(sql(warehouse, "SELECT 1; SELECT 2"))


def wait_until_the_warehouse_is_open(process: subprocess.Popen, db_file: Path) -> None:
    """tracker sql installs its signal handlers before it opens the warehouse: once open, a signal stops the query."""
    fds = Path(f"/proc/{process.pid}/fd")
    while process.poll() is None:
        try:
            if any(os.readlink(fd) == str(db_file) for fd in fds.iterdir()):
                return
        except FileNotFoundError:  # a descriptor closed while being read
            continue
    raise AssertionError(f"tracker sql exited {process.returncode} before opening the warehouse")


@pytest.mark.parametrize("signum, named", [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C")])
def test_sigterm_and_ctrl_c_end_a_running_query_with_one_line(warehouse, signum, named):
    process = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(warehouse), "sql", ENDLESS],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_the_warehouse_is_open(process, warehouse)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert (process.returncode, err) == (3, f"tracker: query stopped by {named}\n")
    assert out == ""


def test_a_time_limit_ends_a_query_with_one_line(warehouse):
    result = sql(warehouse, "--timeout", "0.5", ENDLESS)
    assert one_line(result) == "tracker: query stopped by its time limit (--timeout 0.5 s)\n"


def peak_memory_mb(args: list[str], out: Path) -> float:
    """Run the CLI with stdout into `out`; the peak resident memory of that process alone."""
    with out.open("w") as stream:
        process = subprocess.Popen([sys.executable, "-m", "tracker", *args], stdout=stream, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, process.stderr.read()
    return usage.ru_maxrss / 1024


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_ten_million_rows_stream_out_in_bounded_memory(warehouse, tmp_path, fmt):
    out = tmp_path / f"rows.{fmt}"
    query = "SELECT range AS n, 'row ' || range AS label FROM range(10000000)"
    peak = peak_memory_mb(["--db", str(warehouse), "sql", "--format", fmt, query], out)
    # Held whole, ten million rows take gigabytes (pandas: 1.9-9.8 GB); streamed, a few batches beside what
    # DuckDB itself may use under tracker sql's 1 GB memory limit (measured 560-710 MB on fresh installs).
    assert peak < 1_200, f"{peak:.0f} MB"
    with out.open() as lines:
        count = sum(1 for _ in lines)
    assert count == 10_000_000 + (1 if fmt == "csv" else 2)
    tail = out.read_bytes()[-80:].decode()
    assert ("9999999,row 9999999\n" if fmt == "csv" else '{"n":9999999,"label":"row 9999999"}\n]\n') in tail


def test_the_table_view_shows_the_first_rows_and_counts_the_rest(warehouse):
    result = sql(warehouse, "--max-rows", "5", "SELECT range AS n FROM range(1000000)")
    lines = result.stdout.splitlines()
    assert [line.strip() for line in lines] == ["n", "0", "1", "2", "3", "4",
                                                "… 999,995 more rows (--format csv or json writes them all)"]


def test_the_table_view_shows_control_characters_escaped(warehouse):
    result = sql(warehouse, "SELECT model_id FROM models ORDER BY model_id")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\x9b" not in result.stdout
    assert r"evil/\x1b]0;owned\x07\x1b[2J\x9bname" in result.stdout


def on_a_terminal(args: list[str]) -> str:
    """The CLI's stdout when it is a terminal (a pseudo-terminal), as the terminal would receive it."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tracker", *args], stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    received = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed its end
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0, process.stderr.read()
    return received.decode("utf-8")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_on_a_terminal_escape_control_characters(warehouse, fmt):
    shown = on_a_terminal(["--db", str(warehouse), "sql", "--format", fmt,
                           "SELECT model_id FROM models WHERE model_id LIKE 'evil%'"])
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    if fmt == "json":  # JSON escapes: still valid JSON, and it reads back as the value itself
        assert json.loads(shown) == [{"model_id": ESCAPE_NAME}]
    else:
        assert r"evil/\x1b]0;owned\x07\x1b[2J\x9bname" in shown


def test_csv_into_a_file_keeps_values_exactly(warehouse, tmp_path):
    out = tmp_path / "ids.csv"
    with out.open("w") as stream:
        code = subprocess.call([sys.executable, "-m", "tracker", "--db", str(warehouse), "sql", "--format", "csv",
                                "SELECT model_id FROM models ORDER BY model_id"], stdout=stream)
    assert code == 0
    assert ESCAPE_NAME in out.read_text()
