"""Runs one child process and measures it: wall time, its own CPU time and peak RSS (from wait4,
so only that child counts), an RSS timeline from /proc polling, and the CPU the benchmark process
itself (the stand-in's server threads) spent meanwhile."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    wall: float                 # seconds, spawn to exit (includes interpreter start and imports)
    cpu: float                  # the child's user+sys seconds
    peak_rss: int               # bytes, ru_maxrss of this child alone
    server_cpu: float           # user+sys seconds of this (stand-in) process meanwhile
    stdout: str = ""
    stderr_tail: str = ""
    rss_timeline: list[tuple[float, int]] = field(default_factory=list)  # (seconds, bytes)
    started_at: float = 0.0     # epoch seconds at spawn

    @property
    def peak_rss_mb(self) -> float:
        return self.peak_rss / 2**20

    def check(self) -> "Measured":
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
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started, started_at = time.perf_counter(), time.time()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err)
        child = psutil.Process(proc.pid)
        timeline: list[tuple[float, int]] = []
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                timeline.append((time.perf_counter() - started, child.memory_info().rss))
            except psutil.Error:
                pass
            time.sleep(poll)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    tail = err_path.read_bytes()[-4000:].decode(errors="replace")
    out_path.unlink()
    if not stderr_path:
        err_path.unlink()
    return Measured(argv, proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024,
                    sum(me.cpu_times()[:2]) - cpu_before, stdout, tail, timeline, started_at)


def self_peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
