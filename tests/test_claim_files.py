"""A claim is two data files: copied under a new id it is checked, stored and reported; a malformed one is
one line naming the file, from every command that checks, and never a traceback."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest
from conftest import rows, tracker

from tracker.reports import charts, registry
from tracker.reports.check import CheckError, chosen
from tracker.warehouse import db

SHIPPED = files("tracker.reports") / "claims"
NO_SOURCES = "[huggingface]\nenabled = false\n[modelscope]\nenabled = false\n[github]\nenabled = false\n"


@pytest.fixture
def warehouse(db_file):
    db.connect(db_file).close()  # an empty warehouse: every claim lacks data, and says which source
    return db_file


def copy_claim(folder, source: str, new_id: str, toml_edit=str, sql_edit=str) -> None:
    """reports/claims/<source>.toml and .sql as <new_id>'s two files in `folder`, edited as given."""
    folder.mkdir(exist_ok=True)
    toml = (SHIPPED / f"{source}.toml").read_text(encoding="utf-8").replace(f'id = "{source}"', f'id = "{new_id}"')
    (folder / f"{new_id}.toml").write_text(toml_edit(toml), encoding="utf-8")
    (folder / f"{new_id}.sql").write_text(sql_edit((SHIPPED / f"{source}.sql").read_text(encoding="utf-8")),
                                          encoding="utf-8")


def test_a_claim_copied_as_two_files_under_a_new_id_is_checked_stored_and_reported(warehouse, tmp_path):
    copy_claim(tmp_path / "claims", "modelscope-scale", "modelscope-scale-again")
    env = {"TRACKER_CLAIMS_DIR": str(tmp_path / "claims")}

    checked = json.loads(tracker("--db", str(warehouse), "check", "--claim", "modelscope-scale-again",
                                 "--format", "json", env=env, check=True).stdout)
    report = tracker("--db", str(warehouse), "-q", "report", "--out", str(tmp_path / "report"), env=env, check=True)

    assert [(v["claim_id"], v["verdict"], v["statement"]) for v in checked] == [
        ("modelscope-scale-again", "insufficient data",
         "ModelScope hosts 70,000+ models, used by 16 million+ developers from 30+ countries.")]
    assert "modelscope was never collected" in checked[0]["reason"]
    assert rows(warehouse, "SELECT count(*) FROM claim_verdicts WHERE claim_id = 'modelscope-scale-again'") == [(2,)]
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert report.stdout.strip().endswith("report.html")
    assert 'id="claim-modelscope-scale-again"' in page and 'id="claim-modelscope-scale"' in page
    assert (tmp_path / "report" / "evidence" / "claim-modelscope-scale-again.png").is_file()


def test_a_claim_folder_that_is_not_there_is_one_line_naming_it(warehouse, tmp_path):
    result = tracker("--db", str(warehouse), "check", env={"TRACKER_CLAIMS_DIR": str(tmp_path / "typo")})
    assert (result.returncode, result.stderr) == (
        4, f"tracker: check could not run: TRACKER_CLAIMS_DIR={tmp_path / 'typo'} is not a folder\n")


def same(text: str) -> str:
    return text


MALFORMED = {  # what is wrong: (the .toml's edit, the .sql's edit)
    "toml": (lambda text: text.replace('rule = "', "rule = "), same),
    "toml with a list for its statement": (lambda text: text.replace('method = """', 'method = ["""', 1).replace(
        '"""\n\n[params]', '"""]\n\n[params]', 1), same),
    "toml naming no registered rule": (lambda text: text.replace('rule = "catalogue-scale"', 'rule = "guess"'), same),
    "sql": (same, lambda text: text.replace("SELECT", "SELEC", 1)),
    "[chart] with an unknown key": (lambda text: text.replace("log = true", 'log = true\ncolour = "red"'), same),
}
NAMED = {"toml": "broken.toml: not valid TOML",
         "toml with a list for its statement": "broken.toml: Expected `str`, got `array` - at `$.method`",
         "toml naming no registered rule": "broken.toml: rule 'guess' is not registered",
         "sql": "broken.sql failed: Parser Error",
         "[chart] with an unknown key": "broken.toml: Object contains unknown field `colour` - at `$.chart`"}


@pytest.mark.parametrize("what", MALFORMED)
def test_a_malformed_claim_file_is_one_line_naming_it_from_check_report_and_run(warehouse, tmp_path, what):
    copy_claim(tmp_path / "claims", "modelscope-scale", "broken", *MALFORMED[what])
    (tmp_path / "tracker.toml").write_text(f'report_dir = "{tmp_path / "report"}"\n' + NO_SOURCES)
    env = {"TRACKER_CLAIMS_DIR": str(tmp_path / "claims")}

    check = tracker("--db", str(warehouse), "check", env=env)
    report = tracker("--db", str(warehouse), "-q", "report", "--out", str(tmp_path / "report"), env=env)
    run = tracker("--db", str(warehouse), "-q", "run", env=env)

    named = f"{tmp_path / 'claims'}/{NAMED[what]}"
    for result in (check, report, run):
        assert "Traceback" not in result.stderr
        assert [line for line in result.stderr.splitlines() if named in line] == result.stderr.splitlines()[-1:]
    assert (check.returncode, report.returncode, run.returncode) == (4, 4, 4)
    for result in (check, report):
        assert result.stderr.startswith(f"tracker: check could not run: {named}") and result.stderr.count("\n") == 1
    assert "checks could not run: " + named in run.stderr and run.stderr.count("\n") == 1
    assert rows(warehouse, "SELECT count(*) FROM claim_verdicts") == [(0,)]
    assert not (tmp_path / "report").exists()


def test_a_malformed_claim_file_is_one_line_from_the_history_of_any_claim(warehouse, tmp_path):
    copy_claim(tmp_path / "claims", "modelscope-scale", "broken", MALFORMED["toml"][0])
    result = tracker("--db", str(warehouse), "check", "--history", "modelscope-scale",
                     env={"TRACKER_CLAIMS_DIR": str(tmp_path / "claims")})
    assert (result.returncode, result.stderr.count("\n"), "Traceback" in result.stderr) == (4, 1, False)
    assert result.stderr.startswith(f"tracker: check could not run: {tmp_path / 'claims'}/broken.toml: not valid TOML")


MALFORMED_TABLES = {  # what is wrong: (the .toml's edit, what the line says of broken.toml)
    "[chart] not a table": (lambda text: 'chart = "pairs"\n' + text.split("\n[chart]")[0],
                            "Expected `object`, got `str` - at `$.chart`"),
    "[chart] without x": (lambda text: text.replace('x = "measure"\n', ""),
                          "Object missing required field `x` - at `$.chart`"),
    "[chart] log as text": (lambda text: text.replace("log = true", 'log = "yes"'),
                            "Expected `bool`, got `str` - at `$.chart.log`"),
    "[chart] of no kind drawn": (lambda text: text.replace('kind = "pairs"', 'kind = "pie"'),
                                 "Invalid enum value 'pie' - at `$.chart.kind`"),
    "[chart] with no y": (lambda text: text.replace('y = ["measured", "reported"]', "y = []"),
                          "Expected `array` of length >= 1 - at `$.chart.y`"),
    "[chart] only without a value": (lambda text: text.replace("log = true", 'log = true\nonly = ["measure"]'),
                                     "Expected `array` of length 2, got 1 - at `$.chart.only`"),
    "rule a list": (lambda text: text.replace('rule = "catalogue-scale"', 'rule = ["catalogue-scale"]'),
                    "Expected `str`, got `array` - at `$.rule`"),
    "a key misspelt": (lambda text: text.replace("optional_sources =", "optional_source =", 1),
                       "Object contains unknown field `optional_source`"),
    "a source unknown": (lambda text: text.replace('"modelscope"]', '"modelscope", "gitee"]', 1),
                         "Invalid enum value 'gitee' - at `$.sources[1]`"),
}


@pytest.mark.parametrize("what", MALFORMED_TABLES)
def test_a_chart_table_or_rule_of_the_wrong_shape_is_named_before_anything_is_checked(tmp_path, monkeypatch, what):
    edit, message = MALFORMED_TABLES[what]
    copy_claim(tmp_path / "claims", "modelscope-scale", "broken", edit)
    monkeypatch.setenv("TRACKER_CLAIMS_DIR", str(tmp_path / "claims"))
    with pytest.raises(CheckError) as raised:
        chosen(None)
    assert str(raised.value) == f"{tmp_path / 'claims'}/broken.toml: {message}"


def test_the_chart_kinds_a_claim_may_name_are_those_the_report_draws():
    assert set(registry.CHART_KINDS) == set(charts.DRAWERS)


def a_folder(folder) -> None:
    (folder / "broken.toml").unlink()
    (folder / "broken.toml").mkdir()


def latin1(file: str):
    def write(folder) -> None:  # "é" as Latin-1 writes it
        (folder / file).write_bytes(b"-- caf\xe9\n" + (folder / file).read_bytes())
    return write


UNREADABLE = {  # what is wrong: (how the copy is spoilt, the line naming the file)
    "toml a folder": (a_folder, "broken.toml cannot be read: Is a directory"),
    "toml in Latin-1": (latin1("broken.toml"), "broken.toml is not UTF-8 text (byte 6 is 0xe9)"),
    "sql in Latin-1": (latin1("broken.sql"), "broken.sql is not UTF-8 text (byte 6 is 0xe9)"),
}


@pytest.mark.parametrize("what", UNREADABLE)
def test_a_claim_file_that_cannot_be_read_as_text_is_one_line_naming_it(warehouse, tmp_path, what):
    spoil, named = UNREADABLE[what]
    copy_claim(tmp_path / "claims", "modelscope-scale", "broken")
    spoil(tmp_path / "claims")
    result = tracker("--db", str(warehouse), "check", env={"TRACKER_CLAIMS_DIR": str(tmp_path / "claims")})
    assert (result.returncode, result.stderr) == (4, f"tracker: check could not run: {tmp_path / 'claims'}/{named}\n")
