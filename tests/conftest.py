"""Shared test fixtures: stand-in hubs on 127.0.0.1, a scratch warehouse, the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from modelscope_hub.config import set_default_config

from tracker.config import Config
from tracker.pipeline import Source
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.sources import huggingface_source


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """No test reads the machine's tokens, caches or endpoints, nor writes outside its folder."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "GITHUB_TOKEN", "MODELSCOPE_API_TOKEN", "HF_ENDPOINT",
                 "MODELSCOPE_ENDPOINT", "GITHUB_API_URL", "TRACKER_DB", "TRACKER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path / "ms-cache"))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # the ModelScope SDK keeps its state under HOME
    monkeypatch.chdir(tmp_path)
    set_default_config(None)  # and its process-wide default config must not outlive a test
    yield
    set_default_config(None)


@pytest.fixture
def db_file(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def small_hub():
    """A generated hub of 3,000 models (three pages of 1,000)."""
    with HubStandIn(GeneratedEcosystem(3_000, seed=7)) as hub:
        yield hub


def tracker(*args: str, env: dict | None = None, check: bool = False, timeout: float = 300,
            **popen) -> subprocess.CompletedProcess:
    """The real `tracker` command in a subprocess, with this test's environment plus `env`."""
    result = subprocess.run([sys.executable, "-m", "tracker", *args], env={**os.environ, **(env or {})},
                            capture_output=True, text=True, timeout=timeout, **popen)
    if check and result.returncode != 0:
        raise AssertionError(f"tracker {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


def rows(db: Path, query: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def hf_source(hub: HubStandIn, **settings) -> Source:
    """The Hugging Face source as the CLI builds it from configuration, pointed at a stand-in."""
    config = Config()
    config.huggingface.endpoint = hub.url
    config.huggingface.retry_wait = 0.05
    for key, value in settings.items():
        setattr(config.huggingface, key, value)
    return huggingface_source(config)
