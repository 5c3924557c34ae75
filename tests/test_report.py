"""The trend report: built from a warehouse the real collectors filled from the stand-ins, then opened in Chromium."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import time
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pandas
import pytest
from modelscope_hub.config import set_default_config
from PIL import Image

from tracker import sources
from tracker.config import Config
from tracker.pipeline import collect
from tracker.reports import charts, check, fonts, registry, render, trends
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.github import GitHubStandIn, generate
from tracker.sim.huggingface import HubStandIn
from tracker.sim.modelscope import ModelScopeStandIn
from tracker.warehouse import db

DAYS = (date(2026, 10, 1), date(2026, 11, 2))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INSTALL = "apt-get install fonts-noto-cjk chromium"


def needs(what: str, present: bool) -> None:
    """Skip, naming what to install; in CI (.ci/run installs both) a missing one is a failure instead."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is not installed, though .ci/run installs it ({INSTALL})")
    pytest.skip(f"{what} is not installed: {INSTALL}")
TREND_CHARTS = [chart.name for section in trends.SECTIONS for chart in section.charts]


# --- a warehouse and its report ------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two snapshot days of all three sources through the real clients, the claims checked, the report written."""
    folder = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(folder / "home"))  # the ModelScope SDK's own files stay in the test's folder
        for name in ("HF_TOKEN", "GITHUB_TOKEN", "MODELSCOPE_API_TOKEN", "HF_ENDPOINT", "MODELSCOPE_ENDPOINT"):
            patch.delenv(name, raising=False)
        set_default_config(None)
        con = db.connect(folder / "warehouse.duckdb")
        _collect_days(con)
        verdicts = check.run_checks(con, checked_at=datetime(2026, 11, 3, 6, 0, tzinfo=timezone.utc))
        html = render.write_report(con, folder / "out", verdicts)
        set_default_config(None)
    yield SimpleNamespace(con=con, html=html, out=folder / "out", verdicts=verdicts, folder=folder)
    con.close()


def _collect_days(con) -> None:
    start = datetime(2024, 9, 17, tzinfo=timezone.utc)
    hf = list(GeneratedEcosystem(3_000, seed=9))
    ms = list(GeneratedEcosystem(600, seed=9, hub="modelscope", start=start))
    world = generate(600, seed=9)
    for number, day in enumerate(DAYS):
        grow = number + 1  # the later day lists the same models with more downloads, likes and stars
        config = Config()
        with HubStandIn([replace(m, downloads_all_time=m.downloads_all_time * grow) for m in hf]) as hub, \
                ModelScopeStandIn([replace(m, downloads_all_time=m.downloads_all_time * grow) for m in ms]) as scope, \
                GitHubStandIn([replace(r, stars=r.stars * grow) for r in world.repos], world.owners,
                              search_limit=10_000, core_limit=10_000) as github:
            config.huggingface.endpoint, config.modelscope.endpoint = hub.url, scope.url
            config.github.api_url, config.github.retry_wait = github.url, 0.01
            config.modelscope.readme_pause = 0.0  # a local stand-in needs no pacing
            for name in ("huggingface", "modelscope", "github"):
                collect(con, sources.build(name, config, con, day), snapshot_date=day)


def test_every_trend_chart_is_drawn_from_data_with_its_csv_beside_it(built):
    for name in TREND_CHARTS:
        png, data = built.out / "charts" / f"{name}.png", built.out / "charts" / f"{name}.csv"
        assert Image.open(png).size == (1350, 720), name
        assert len(pandas.read_csv(data)) > 0, f"{name}: its query returned no rows"


def test_every_query_of_reports_queries_feeds_the_report():
    shipped = {p.stem for p in (Path(trends.__file__).parent / "queries").glob("*.sql")}
    assert shipped == set(TREND_CHARTS) | {"snapshots_used"}


def test_every_claim_has_a_section_with_both_statements_its_figures_and_an_evidence_chart(built):
    page = built.html.read_text(encoding="utf-8")
    assert len(built.verdicts) == 8
    for verdict in built.verdicts:
        claim = verdict.claim
        assert f'id="claim-{claim.id}"' in page
        for text in (claim.statement_zh, claim.statement, verdict.reason, verdict.measured, claim.reported):
            assert render.page.e(text) in page, (claim.id, text)
        assert (built.out / "evidence" / f"claim-{claim.id}.png").stat().st_size > 5_000
        assert len(pandas.read_csv(built.out / "evidence" / f"claim-{claim.id}.csv")) == len(verdict.evidence)


def test_the_page_is_self_contained_and_names_every_snapshot_day(built):
    page = built.html.read_text(encoding="utf-8")
    assert "<script" not in page and "<link" not in page
    assert 'src="http' not in page and "url(http" not in page and "@import" not in page
    assert page.count('<img src="data:image/png;base64,') == len(TREND_CHARTS) + len(built.verdicts)
    for day in DAYS:
        assert str(day) in page
    assert "[SIMULATED]" not in page  # only the demo marks its report so


def test_the_page_embeds_the_cjk_glyphs_it_shows(built):
    needs("a CJK font", fonts.has_cjk())
    page = built.html.read_text(encoding="utf-8")
    assert "@font-face" in page and fonts.EMBEDDED_FAMILY in page


def test_the_markdown_carries_the_same_content_with_files_that_exist(built):
    text = (built.out / "report.md").read_text(encoding="utf-8")
    for verdict in built.verdicts:
        assert f"`{verdict.claim.id}`" in text and verdict.claim.statement_zh in text
    linked = [part.split(")")[0] for part in text.split("](")[1:]]
    assert len([link for link in linked if link.endswith(".png")]) == len(TREND_CHARTS) + len(built.verdicts)
    for link in linked:
        assert (built.out / link).exists(), link
    assert all(str(day) in text for day in DAYS)


def test_an_empty_warehouse_gives_a_report_of_empty_panels_not_an_error(tmp_path):
    con = db.connect(tmp_path / "empty.duckdb")
    html = render.write_report(con, tmp_path / "out", [])
    page = html.read_text(encoding="utf-8")
    assert "The warehouse holds no snapshot yet" in page and "No claim was checked" in page
    assert page.count("empty: no rows yet") == len(TREND_CHARTS)
    for name in TREND_CHARTS:
        assert Image.open(tmp_path / "out" / "charts" / f"{name}.png").size[0] == 1350


def verdict_of(claim_id: str, verdict: str, reason: str, evidence: list[dict], **claim_fields) -> check.Verdict:
    """A verdict on a registered claim (its fields replaced as given), as a check would make it."""
    claim = replace(registry.load()[claim_id], **claim_fields)
    return check.Verdict(claim, verdict, reason, "m", claim.reported, None, evidence)


def test_a_verdict_with_no_evidence_is_shown_with_its_reason(tmp_path):
    """No evidence gives a panel saying why."""
    verdict = verdict_of("modelscope-scale", "insufficient data", "modelscope was never collected", [],
                         statement_zh="魔搭社区提供了超7万个模型。")
    con = db.connect(tmp_path / "empty.duckdb")
    page = render.write_report(con, tmp_path / "out", [verdict]).read_text(encoding="utf-8")
    assert '<span class="verdict insufficient">insufficient data</span>' in page
    assert "modelscope was never collected" in page and "魔搭社区提供了超7万个模型。" in page
    assert Image.open(tmp_path / "out" / "evidence" / "claim-modelscope-scale.png").size == (1350, 390)  # a short panel


def test_a_chart_that_cannot_be_drawn_becomes_an_empty_panel_saying_why(tmp_path, monkeypatch):
    def broken(chart, frame, axes):
        raise ValueError("an evidence shape nobody foresaw")

    monkeypatch.setitem(charts.DRAWERS, "hbars", broken)
    verdict = replace(verdict_of("china-ai-project-rank", "supported", "r", [{"region": "China", "repositories": 3}]),
                      snapshot_date=date(2026, 1, 1))
    page = render.write_report(db.connect(tmp_path / "w.duckdb"), tmp_path / "out", [verdict]).read_text("utf-8")
    assert "empty: not drawn (an evidence shape nobody foresaw)" in page
    assert Image.open(tmp_path / "out" / "evidence" / "claim-china-ai-project-rank.png").size == (1350, 390)


def test_without_a_cjk_font_charts_are_labelled_in_english_and_still_drawn(tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.ENVIRONMENT, str(tmp_path / "no-such-font.otf"))
    for cached in (fonts.find, fonts.matplotlib_families):
        cached.cache_clear()
    try:
        assert fonts.find() is None and fonts.embedded_css("开源") == ""
        result = verdict_of("chinese-families-footprint", "supported", "r", [{"family": "Qwen", "models": 3}],
                            statement="An English statement.", statement_zh="中文陈述", chart={})
        assert render._wrapped_statement(result) == "An English statement."
        _, figure = render.claim_figure(result, tmp_path, simulated=False)
        assert Image.open(figure.png_path).size == (1350, 720)
    finally:
        monkeypatch.delenv(fonts.ENVIRONMENT)
        for cached in (fonts.find, fonts.matplotlib_families):
            cached.cache_clear()


# --- in a browser ----------------------------------------------------------------------------------

class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe): no driver,
    no websocket library, no browser download. Messages are JSON separated by NUL bytes on fds 3 and 4."""

    def __init__(self, profile: Path, env: dict):
        commands, self._to_browser = os.pipe()
        self._from_browser, replies = os.pipe()
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=lambda: _onto_3_and_4(commands, replies),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        os.close(commands)
        os.close(replies)
        self.buffer, self.sent, self.events = b"", 0, []

    def send(self, method: str, session: str | None = None, **params):
        self.sent += 1
        message = {"id": self.sent, "method": method, "params": params, **({"sessionId": session} if session else {})}
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.sent:
                assert "error" not in reply, (method, reply["error"])
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.events:
                if message.get("method") == event:
                    return message
            self.events.append(self._read())
        raise TimeoutError(event)

    def _read(self) -> dict:
        while b"\0" not in self.buffer:
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        finally:
            self.process.wait(timeout=20)
            os.close(self._to_browser)
            os.close(self._from_browser)


def _onto_3_and_4(commands: int, replies: int) -> None:
    """In the child: the pipe ends on the fds Chromium reads (3) and writes (4), whatever numbers they had."""
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (commands, replies)]
    os.dup2(high[0], 3)
    os.dup2(high[1], 4)


@pytest.fixture(scope="module")
def browser(built):
    """The report open in Chromium, on a machine whose only fonts are DejaVu: any Chinese it shows is the page's own."""
    needs("chromium", bool(CHROMIUM))
    fonts_conf = built.folder / "fonts.conf"
    fonts_conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{Path(matplotlib.get_data_path()) / "fonts" / "ttf"}</dir>
<cachedir>{built.folder / "fontconfig-cache"}</cachedir></fontconfig>""")
    # Chromium keeps the real clock when the suite runs under libfaketime (.ci/run): its sandbox and libfaketime
    # need not meet, and nothing it is asked here depends on the date.
    real_clock = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    env = {**real_clock, "FONTCONFIG_FILE": str(fonts_conf), "HOME": str(built.folder / "home")}
    chromium = Chromium(built.folder / "chromium-profile", env)
    target = chromium.send("Target.createTarget", url="about:blank")["targetId"]
    session = chromium.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log", "DOM", "CSS"):
        chromium.send(f"{domain}.enable", session)
    chromium.send("Emulation.setDeviceMetricsOverride", session, width=1200, height=900, deviceScaleFactor=1,
                  mobile=False)
    chromium.send("Page.navigate", session, url=built.html.as_uri())
    chromium.wait_for("Page.loadEventFired")
    chromium.send("Runtime.evaluate", session, expression="document.fonts.ready", awaitPromise=True)
    yield SimpleNamespace(chromium=chromium, session=session, evaluate=lambda js: chromium.send(
        "Runtime.evaluate", session, expression=js, returnByValue=True, awaitPromise=True)["result"]["value"])
    chromium.close()


def test_in_chromium_every_chart_is_drawn_and_nothing_errs(built, browser):
    images = browser.evaluate("[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight, i.alt])")
    assert len(images) == len(TREND_CHARTS) + len(built.verdicts)
    for complete, width, height, alt in images:
        assert complete and width == 1350 and height > 400, alt
    shown = browser.evaluate("[...document.images].every(i => i.getBoundingClientRect().width > 600)")
    assert shown
    problems = [e for e in browser.chromium.events
                if e.get("method") == "Runtime.exceptionThrown"
                or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
                or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert problems == []


def test_in_chromium_the_chinese_text_is_there_and_drawn_with_the_embedded_font(built, browser):
    needs("a CJK font", fonts.has_cjk())  # the page embeds the glyphs only when one was there to take them from
    text = browser.evaluate("document.body.innerText")
    for verdict in built.verdicts:
        assert verdict.claim.statement_zh in text
    assert browser.evaluate("[...document.fonts].map(f => [f.family, f.status])") == [
        [fonts.EMBEDDED_FAMILY, "loaded"]]
    chromium, session = browser.chromium, browser.session
    root = chromium.send("DOM.getDocument", session)["root"]["nodeId"]
    nodes = chromium.send("DOM.querySelectorAll", session, nodeId=root, selector="p.zh")["nodeIds"]
    assert len(nodes) == len(built.verdicts)
    for node in nodes:
        used = chromium.send("CSS.getPlatformFontsForNode", session, nodeId=node)["fonts"]
        # Every glyph comes from the page's own font (a web font) or DejaVu for digits and Latin letters:
        # none from a last-resort font, which is where tofu boxes come from.
        assert used and all(f["isCustomFont"] or f["familyName"].startswith("DejaVu") for f in used), used
        assert any(f["isCustomFont"] for f in used)


def test_in_chromium_a_screenshot_of_the_page_is_taken(built, browser):
    """A full-page screenshot lands beside the report (and in $TRACKER_SCREENSHOTS when set) for a person to look at."""
    height = browser.evaluate("document.documentElement.scrollHeight")
    shot = browser.chromium.send("Page.captureScreenshot", browser.session, format="png", captureBeyondViewport=True,
                                 clip={"x": 0, "y": 0, "width": 1200, "height": min(height, 6000), "scale": 1})
    path = built.out / "screenshot.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    assert Image.open(path).size == (1200, min(height, 6000))
    if os.environ.get("TRACKER_SCREENSHOTS"):
        shutil.copy(path, Path(os.environ["TRACKER_SCREENSHOTS"]) / "report.png")
