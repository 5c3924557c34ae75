"""The stand-in's answers in GitHub's wire shapes: recorded objects (octokit, PyGithub) with a simulated
repository's or owner's values, its URLs pointing at the stand-in."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from functools import lru_cache
from importlib.resources import files

from tracker.sim.github_search import SimOwner, SimRepo

# Keys of the recorded repository object that a search item does not carry.
NOT_IN_SEARCH_ITEMS = {"permissions", "temp_clone_token", "organization", "network_count", "subscribers_count",
                       "allow_squash_merge", "allow_merge_commit", "allow_rebase_merge", "allow_auto_merge",
                       "delete_branch_on_merge", "allow_update_branch", "use_squash_pr_title_as_default"}


def wire_repo(repo: SimRepo, owner: SimOwner, base_url: str) -> dict:
    """A search item: the recorded repository object's shape with this repository's values."""
    item = _rehomed(_template_text("repo"), base_url, "octokit-fixture-org/hello-world", repo.full_name)
    item.update({
        "id": repo.id, "node_id": _node_id("010:Repository", repo.id), "name": repo.full_name.split("/")[1],
        "full_name": repo.full_name, "owner": _owner_stub(owner, base_url), "description": repo.description,
        "fork": repo.fork, "created_at": _iso(repo.created_at), "updated_at": _iso(repo.pushed_at),
        "pushed_at": _iso(repo.pushed_at), "size": 1024 + repo.id % 90_000, "stargazers_count": repo.stars,
        "watchers_count": repo.stars, "language": repo.language, "forks_count": repo.forks,
        "archived": repo.archived, "open_issues_count": repo.open_issues, "license": _license(repo.license),
        "topics": list(repo.topics), "forks": repo.forks, "open_issues": repo.open_issues,
        "watchers": repo.stars, "default_branch": "main", "score": 1.0,
    })
    return item


def fixture(name: str) -> object:
    return json.loads((files("tracker.sim") / "fixtures" / "github" / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _template_text(name: str) -> str:
    """A recorded object as JSON text: the octokit `GET /repos` object less the keys search items lack,
    or the PyGithub `GET /users/{login}` answer."""
    if name == "repo":
        recorded = fixture("octokit-get-repository.raw-fixture.json")[0]["response"]
        return json.dumps({k: v for k, v in recorded.items() if k not in NOT_IN_SEARCH_ITEMS})
    return json.dumps(fixture("gh_user.json")[0]["response"]["body"])


@lru_cache(maxsize=1)
def _owner_keys() -> tuple[str, ...]:
    return tuple(json.loads(_template_text("repo"))["owner"])


def _rehomed(text: str, base_url: str, recorded_name: str, name: str):
    """A recorded object with its URLs pointing at this server and naming `name` instead."""
    return json.loads(text.replace("https://api.github.com", base_url).replace(recorded_name, name))


def _owner_stub(owner: SimOwner, base_url: str) -> dict:
    user = wire_user(owner, base_url)
    return {**{key: user[key] for key in _owner_keys() if key in user}, "site_admin": False}


def wire_user(owner: SimOwner, base_url: str) -> dict:
    """`GET /users/{login}`: the recorded user's shape (organisations answer it too)."""
    user = _rehomed(_template_text("user"), base_url, "theCapypara", owner.login)
    number = owner.id or stable_id(owner.login)
    user.update({
        "id": number, "node_id": _node_id("04:User" if owner.type == "User" else "012:Organization", number),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4", "type": owner.type,
        "name": owner.name, "company": owner.company, "blog": "", "location": owner.location, "email": None,
        "bio": None, "created_at": _iso(owner.created_at), "updated_at": _iso(owner.created_at + timedelta(days=900)),
        "user_view_type": "public",
    })
    return user


def wire_org(owner: SimOwner, base_url: str) -> dict:
    """`GET /orgs/{org}` as a non-member sees it (no billing or plan fields)."""
    number = owner.id or stable_id(owner.login)
    api = f"{base_url}/orgs/{owner.login}"
    return {
        "login": owner.login, "id": number, "node_id": _node_id("012:Organization", number), "url": api,
        "repos_url": f"{api}/repos", "events_url": f"{api}/events", "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues", "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4", "description": None,
        "name": owner.name, "company": owner.company, "blog": "", "location": owner.location, "email": None,
        "twitter_username": None, "is_verified": False, "has_organization_projects": True,
        "has_repository_projects": True, "public_repos": 12, "public_gists": 0, "followers": 100, "following": 0,
        "html_url": f"https://github.com/{owner.login}", "created_at": _iso(owner.created_at),
        "updated_at": _iso(owner.created_at + timedelta(days=900)), "archived_at": None, "type": "Organization",
    }


def _license(key: str | None) -> dict | None:
    if key is None:
        return None
    spdx = {"mit": "MIT", "apache-2.0": "Apache-2.0", "gpl-3.0": "GPL-3.0", "bsd-3-clause": "BSD-3-Clause",
            "other": "NOASSERTION"}.get(key, key.upper())
    return {"key": key, "name": spdx, "spdx_id": spdx, "url": None if key == "other" else
            f"https://api.github.com/licenses/{key}", "node_id": _node_id("07:License", len(key))}


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}{number}".encode()).decode()


def stable_id(login: str) -> int:
    return 1_000_000 + sum(ord(c) * 31 ** i for i, c in enumerate(login)) % 90_000_000


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
