"""Finds public snapshots of the Hub's model catalogue: dated files in a local folder, or the revisions of
a dataset repository on the Hub (such as cfahlgren1/hub-stats, which rewrites models.parquet every day).

A snapshot is named by its date; `open()` gives a local path to it for the time it is read. A file from
the Hub is downloaded at its revision into a temporary folder, deleted when the reading ends.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, ContextManager, Iterator

from tracker.collectors.records import CollectorError, first_line
from tracker.collectors.waiting import within_deadline

DEFAULT_DATASET = "cfahlgren1/hub-stats"
FILENAME = "models.parquet"
DATE_FOLDER = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
PERIODS = ("day", "week", "month")
LISTING_DEADLINE_SECONDS = 120.0    # the whole commit list of a dataset
DOWNLOAD_DEADLINE_SECONDS = 3600.0  # one snapshot file (about 350 MB for hub-stats in 2025)


@dataclass
class Snapshot:
    day: date                                  # the snapshot's date: the folder's, or its commit's (UTC)
    label: str                                 # the file or repository@revision, for messages
    source: str                                # the folder, or the endpoint's dataset, for the run ledger
    revision: str | None                       # the commit, for a file from the Hub
    moment: datetime | None                    # the commit's time: the last of a period wins
    open: Callable[[], ContextManager[Path]]   # the file on local disk while it is read


class SnapshotsUnavailable(CollectorError):
    """The snapshots cannot be listed or fetched; the message names the folder, file or revision."""


class NoSnapshotAtRevision(SnapshotsUnavailable):
    """The revision has no snapshot file (e.g. the dataset's first commits, before the file existed)."""


def pick(snapshots: list[Snapshot], every: str = "day", since: date | None = None,
         until: date | None = None) -> list[Snapshot]:
    """Within [since, until], the last snapshot of each day, ISO week or month; oldest first."""
    kept: dict[tuple, Snapshot] = {}
    for snapshot in sorted(snapshots, key=lambda s: (s.day, s.moment or datetime.min)):
        if (since and snapshot.day < since) or (until and snapshot.day > until):
            continue
        kept[period(snapshot.day, every)] = snapshot  # a later one of the same period replaces it
    return sorted(kept.values(), key=lambda s: s.day)


def period(day: date, every: str) -> tuple:
    if every == "week":
        return tuple(day.isocalendar())[:2]
    if every == "month":
        return day.year, day.month
    return (day,)


# --- A local folder: <YYYY-MM-DD>/models.parquet ---

def local_snapshots(folder: Path) -> list[Snapshot]:
    """Every `<YYYY-MM-DD>/models.parquet` under `folder`."""
    if not folder.is_dir():
        raise SnapshotsUnavailable(f"{folder}: not a folder of <YYYY-MM-DD>/{FILENAME} snapshots")
    found = []
    for child in sorted(folder.iterdir()):
        path = child / FILENAME
        if DATE_FOLDER.match(child.name) and path.is_file():
            found.append(Snapshot(_date(child.name, path), str(path), str(folder.resolve()), None, None,
                                  lambda path=path: contextlib.nullcontext(path)))
    if not found:
        raise SnapshotsUnavailable(f"{folder}: no <YYYY-MM-DD>/{FILENAME} in it")
    return found


def _date(text: str, path: Path) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SnapshotsUnavailable(f"{path}: {text} is not a date") from None


# --- A dataset repository on the Hub: its commits, each file downloaded at its revision ---

def hub_snapshots(repo_id: str, endpoint: str | None = None, token: str | None = None,
                  filename: str = FILENAME, deadline: float = LISTING_DEADLINE_SECONDS) -> list[Snapshot]:
    """One snapshot per commit of the dataset's main branch (the file as of that commit)."""
    import httpx2
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError

    api = HfApi(endpoint=endpoint, token=token)
    try:
        commits = within_deadline(lambda: api.list_repo_commits(repo_id, repo_type="dataset"), deadline,
                                  f"the commit list of dataset {repo_id}", "huggingface.deadline")
    except HFValidationError:
        raise SnapshotsUnavailable(f"{repo_id}: no such folder, and not a dataset id (owner/name)") from None
    except (HfHubHTTPError, httpx2.HTTPError, OSError) as error:
        raise SnapshotsUnavailable(f"dataset {repo_id} on {api.endpoint}: cannot list its commits "
                                   f"({first_line(error)})") from None
    source = f"{api.endpoint}/datasets/{repo_id}"
    return [Snapshot(c.created_at.date(), f"{repo_id}@{c.commit_id[:12]} ({c.created_at.date()})", source,
                     c.commit_id, c.created_at.replace(tzinfo=None),
                     lambda c=c: _downloaded(api, repo_id, filename, c.commit_id, c.created_at.date()))
            for c in commits]


@contextlib.contextmanager
def _downloaded(api, repo_id: str, filename: str, revision: str, day: date) -> Iterator[Path]:
    """The file at `revision`, in a temporary folder removed afterwards."""
    import httpx2
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RevisionNotFoundError

    folder = tempfile.mkdtemp(prefix="tracker-backfill-")
    try:
        try:
            path = within_deadline(lambda: hf_hub_download(
                repo_id, filename, repo_type="dataset", revision=revision, local_dir=folder, endpoint=api.endpoint,
                token=api.token), DOWNLOAD_DEADLINE_SECONDS, f"{filename} of {repo_id}@{revision[:12]}")
        except RevisionNotFoundError:
            raise SnapshotsUnavailable(f"revision {revision} of dataset {repo_id} ({day}) is no longer on the "
                                       "hub; rerun to go on with the revisions it still lists") from None
        except EntryNotFoundError:
            raise NoSnapshotAtRevision(f"no {filename} at this revision") from None
        except (HfHubHTTPError, httpx2.HTTPError, OSError) as error:
            raise SnapshotsUnavailable(f"revision {revision} of dataset {repo_id} ({day}): cannot download "
                                       f"{filename} ({first_line(error)})") from None
        yield Path(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
