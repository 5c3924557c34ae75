"""Output folders replaced whole: written beside the target, then swapped in with one rename.

`tracker export` and `tracker report` write into `.<name>.tracker-new-<pid>/` beside `<name>/`, then
manifest.json (what was written, with row counts) last, then exchange the two folders atomically
(Linux renameat2 RENAME_EXCHANGE). A kill at any moment leaves the previous complete output or the
new one, never a mixture. Files in the target that no tracker manifest lists (a user's notes, even
inside a table's folder) are carried into the new folder as hard links, so they survive; files the
previous manifest lists are dropped with the old folder. Leftovers of a killed run are cleaned on the
next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import shutil
from pathlib import Path
from typing import Callable, Iterator

MANIFEST = "manifest.json"
WRITTEN_BY = "ai-ecosystem-tracker"
NEW, OLD = "tracker-new", "tracker-old"
RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


class OutputError(Exception):
    """The output folder cannot be written as asked; the message is meant for the user as it is."""


class Staging:
    """The folder the new output is written into, and its publication in place of the target."""

    def __init__(self, target: Path, legacy_owned: Callable[[Path], set[str]]):
        self.target, self.legacy_owned = target, legacy_owned
        self.path = target.parent / f".{target.name}.{NEW}-{os.getpid()}"

    def publish(self, manifest: dict) -> None:
        """Write `manifest` (with the list of files written) last, carry the user's files over, swap in."""
        written = sorted(_files(self.path))
        self._carry_over_foreign_files(set(written))
        manifest = {"written_by": WRITTEN_BY, **manifest, "files": written}
        _write_json(self.path / MANIFEST, manifest)
        if self.target.exists():
            _copy_mode(self.target, self.path)
            _swap(self.path, self.target)
        else:
            os.rename(self.path, self.target)

    def _carry_over_foreign_files(self, written: set[str]) -> None:
        if not self.target.is_dir():
            return
        owned = previous_files(self.target, self.legacy_owned) | {MANIFEST}
        for relative in sorted(_files(self.target)):
            if relative in owned:
                continue
            if relative in written:
                raise OutputError(f"{self.target / relative} was not written by the tracker and would be "
                                  "replaced: move it out of the way; nothing was changed")
            _link(self.target / relative, self.path / relative)


def previous_files(target: Path, legacy_owned: Callable[[Path], set[str]]) -> set[str]:
    """The files an earlier tracker run wrote into `target`, as its manifest lists them."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if isinstance(manifest, dict) and isinstance(manifest.get("files"), list):
        return {f for f in manifest["files"] if isinstance(f, str)}
    return legacy_owned(target)  # no manifest, or one from before manifests listed files


@contextlib.contextmanager
def replacing(target: str | Path, legacy_owned: Callable[[Path], set[str]] = lambda target: set()) -> Iterator[Staging]:
    """A Staging beside `target`; removed again unless `publish` swapped it in."""
    target = check_target(Path(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(target)
    staging = Staging(target, legacy_owned)
    shutil.rmtree(staging.path, ignore_errors=True)
    staging.path.mkdir()
    try:
        yield staging
    finally:
        shutil.rmtree(staging.path, ignore_errors=True)  # after a swap: the previous output


def check_target(target: Path) -> Path:
    if target.is_symlink():
        target = target.resolve()
    if target.exists() and not target.is_dir():
        raise OutputError(f"--out {target} is a file, not a folder: name a folder (it is created if missing)")
    absolute = target.absolute()
    if absolute == Path.cwd() or absolute in Path.cwd().parents:
        raise OutputError(f"--out {target} is the current folder or holds it: name a folder below it")
    return absolute


def clean_leftovers(target: Path) -> None:
    """Folders a killed run left beside `target`: new ones deleted, an old one put back if the swap broke off."""
    for path in target.parent.glob(f".{target.name}.tracker-*-*"):
        kind, _, pid = path.name[len(target.name) + 2:].rpartition("-")
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if kind == OLD and not target.exists():
            os.rename(path, target)  # killed between the two renames of the fallback swap
        else:
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover of an earlier process that had this pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap(new: Path, target: Path) -> None:
    """Exchange the two folders in one step; where the system cannot, two renames with recovery."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        if renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(target), RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(target))
    old = target.parent / f".{target.name}.{OLD}-{os.getpid()}"
    os.rename(target, old)
    os.rename(new, target)
    os.rename(old, new)  # removed by `replacing` as the staging folder


def _files(root: Path) -> Iterator[str]:
    """Every file under `root`, relative; a symbolic link (to a folder too) counts as a file."""
    for folder, folders, names in os.walk(root):
        for name in names + [f for f in folders if (Path(folder) / f).is_symlink()]:
            yield (Path(folder) / name).relative_to(root).as_posix()


def _link(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), destination)
        return
    try:
        os.link(source, destination)
    except OSError:  # another file system, or links not allowed: a copy
        shutil.copy2(source, destination)


def _copy_mode(source: Path, destination: Path) -> None:
    with contextlib.suppress(OSError):
        shutil.copymode(source, destination)


def _write_json(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=2, default=str) + "\n", encoding="utf-8")
