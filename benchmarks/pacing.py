"""Pacing from the rate-limit headers: a whole listing under an enforced policy, against the policy's floor.

    .venv/bin/python -m benchmarks.pacing [--pages 300] [--quota 100] [--window 5]

The stand-in enforces a fixed window of `quota` requests per `window` seconds (the Hub's free tier is
1,000 per 300 s; here scaled in time) and states it in RateLimit / RateLimit-Policy as the Hub does. The
floor is requests ÷ allowed rate; the figure is the listing's wall time ÷ that floor, and the 429s met.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from tracker.config import Config
from tracker.pipeline import collect
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.sources import huggingface_source
from tracker.warehouse import db

MODELS_PER_PAGE = 10


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--pages", type=int, default=300)
    options.add_argument("--quota", type=int, default=100)
    options.add_argument("--window", type=float, default=5.0)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as folder, \
            HubStandIn(GeneratedEcosystem(args.pages * MODELS_PER_PAGE, seed=1), policy=(args.quota, args.window),
                       enforce=True) as hub:
        config = Config()
        config.huggingface.endpoint, config.huggingface.page_size = hub.url, MODELS_PER_PAGE
        started = time.monotonic()
        summary = collect(db.connect(Path(folder) / "pacing.duckdb"), huggingface_source(config))
        seconds = time.monotonic() - started
    floor = args.pages / (args.quota / args.window)
    print(f"policy {args.quota} requests / {args.window:g} s; {summary.pages} pages ({summary.status})")
    print(f"listing {seconds:.1f} s, floor {floor:.1f} s, ratio {seconds / floor:.3f}, 429s met {hub.refused}")


if __name__ == "__main__":
    main()
