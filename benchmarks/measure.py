"""Runs one child process and measures it: wall time, its CPU time, its peak RSS, an RSS timeline
from polling, and the CPU the benchmark process itself (the stand-in's server threads) spent meanwhile.

Peak RSS is taken by GNU time (`/usr/bin/time -f %M`), not from this process's wait4: on Linux a
child's ru_maxrss starts from the RSS of the image it was forked (or vforked) from, i.e. from this
benchmark process, which may be far bigger than the child (the stand-in, DuckDB in-process). A tiny
`time` in between makes the figure the child's own. Without GNU time, the polled maximum is used.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    wall: float                 # seconds, spawn to exit (includes interpreter start and imports)
    cpu: float                  # the child's user+sys seconds
    peak_rss: int               # bytes: GNU time's %M of the child, else the polled maximum
    server_cpu: float           # user+sys seconds of this (stand-in) process meanwhile
    stdout: str = ""
    stderr_tail: str = ""
    rss_timeline: list[tuple[float, int]] = field(default_factory=list)  # (seconds, bytes)
    started_at: float = 0.0     # epoch seconds at spawn
    peak_rss_wait4: int = 0     # bytes, wait4's ru_maxrss (inflated by the parent's image, see above)

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss / 2**20

    def check(self) -> Measured:
        if self.returncode != 0:
            raise RuntimeError(f"{' '.join(self.argv)} exited {self.returncode}:\n{self.stderr_tail}")
        return self


def run(argv: list[str], env: dict | None = None, cwd: str | Path | None = None, poll: float = 0.05,
        stderr_path: Path | None = None) -> Measured:
    """Run `argv` to completion; stdout is captured, stderr goes to `stderr_path` (kept) or a temp file."""
    me = psutil.Process()
    cpu_before = sum(me.cpu_times()[:2])
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.monotonic_ns()}"
    out_path, err_path = scratch.with_suffix(".out"), Path(stderr_path or scratch.with_suffix(".err"))
    rss_path = scratch.with_suffix(".maxrss")
    wrapped = ([GNU_TIME, "-f", "%M", "-o", str(rss_path)] + list(argv)) if GNU_TIME else list(argv)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started, started_at = time.perf_counter(), time.time()
        proc = subprocess.Popen(wrapped, env=env, cwd=cwd, stdout=out, stderr=err)
        child = psutil.Process(proc.pid)
        timeline: list[tuple[float, int]] = []
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                tree = [child] + child.children(recursive=True)
                timeline.append((time.perf_counter() - started, max(p.memory_info().rss for p in tree)))
            except psutil.Error:
                pass
            time.sleep(poll)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    tail = err_path.read_bytes()[-4000:].decode(errors="replace")
    out_path.unlink()
    peak = max((rss for _, rss in timeline), default=0)
    if rss_path.exists():
        numbers = [line.strip() for line in rss_path.read_text().splitlines() if line.strip().isdigit()]
        peak = int(numbers[-1]) * 1024 if numbers else peak
        rss_path.unlink()
    if not stderr_path:
        err_path.unlink()
    return Measured(list(argv), proc.returncode, wall, usage.ru_utime + usage.ru_stime, peak,
                    sum(me.cpu_times()[:2]) - cpu_before, stdout, tail, timeline, started_at, usage.ru_maxrss * 1024)


def self_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
