"""What the benchmarks' child processes share: an environment that reaches only the stand-ins."""

from __future__ import annotations

import os


def env_without_secrets(extra: dict | None = None) -> dict:
    """This process's environment without tokens or endpoints, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    for name in ("HF_ENDPOINT", "TRACKER_DB", "TRACKER_CONFIG", "MODELSCOPE_ENDPOINT", "GITHUB_API_URL"):
        env.pop(name, None)
    env.update(extra or {})
    return env
