"""Tokens are used, and never written down: not in the warehouse, the logs, the output or errors."""

from __future__ import annotations

from tracker.sim.github import GitHubStandIn, generate

from conftest import tracker

TOKENS = {"HF_TOKEN": "hf_SeCrEt0123456789abcdef", "GITHUB_TOKEN": "ghp_SeCrEt0123456789abcdef",
          "MODELSCOPE_API_TOKEN": "ms-SeCrEt0123456789abcdef"}


def test_tokens_are_sent_to_the_hubs_and_appear_nowhere_the_tracker_writes(small_hub, db_file, tmp_path):
    ecosystem = generate(200, seed=3)
    small_hub.add_fault("status", path="/api/models", status=401, times=99, after=2,
                        body={"error": "Invalid credentials in Authorization header"})
    (tmp_path / "tracker.toml").write_text("[modelscope]\nenabled = false\n[huggingface]\nretry_wait = 0.01\n")
    with GitHubStandIn(ecosystem.repos, ecosystem.owners, search_window=1) as github:
        env = {**TOKENS, "HF_ENDPOINT": small_hub.url, "GITHUB_API_URL": github.url}
        outputs = [tracker("--db", str(db_file), "run", env=env),
                   tracker("--db", str(db_file), "runs", env=env),
                   tracker("--db", str(db_file), "config", env=env),
                   tracker("--db", str(db_file), "sql", "SELECT * FROM runs", env=env)]
        github_auth = {r.headers.get("authorization") for r in github.log}
    assert outputs[0].returncode == 1  # Hugging Face refused page 3: its error went to the ledger and the log
    assert {r.headers.get("authorization") for r in small_hub.log if r.path == "/api/models"} == {
        f"Bearer {TOKENS['HF_TOKEN']}"}
    assert github_auth == {f"Bearer {TOKENS['GITHUB_TOKEN']}"}
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    said = "".join(o.stdout + o.stderr for o in outputs)
    for token in TOKENS.values():
        assert token.encode() not in written
        assert token not in said
