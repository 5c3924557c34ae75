"""The [github] configuration: every key's range or format checked when it is read, one line naming the key."""

from __future__ import annotations

import pytest

from tracker import config


@pytest.mark.parametrize("line, named", [
    ("max_wait = 0", "'github.max_wait' must be a positive number of seconds, got 0.0"),
    ("timeout = -1", "'github.timeout' must be a positive number of seconds"),
    ("request_deadline = inf", "'github.request_deadline' must be a positive number of seconds"),
    ("first_year = 1999", "'github.first_year' must be at least 2008, got 1999"),
    ("min_stars = -5", "'github.min_stars' must be at least 0"),
    ("topics = []", "'github.topics' must be 1 to 6 GitHub topics"),
    ('topics = ["a", "b", "c", "d", "e", "f", "g"]', "'github.topics' must be 1 to 6 GitHub topics"),
    ('topics = ["Machine Learning"]', "'github.topics' must be 1 to 6 GitHub topics"),
    ('api_url = "ftp://example.com"', "'github.api_url' must be an http(s) URL"),
])
def test_a_value_out_of_range_is_one_line_naming_the_key(tmp_path, line, named):
    path = tmp_path / "tracker.toml"
    path.write_text(f"[github]\n{line}\n", encoding="utf-8")
    with pytest.raises(config.ConfigError) as refused:
        config.load(str(path))
    assert named in str(refused.value) and "\n" not in str(refused.value)


def test_credentials_in_the_api_url_are_refused_without_being_repeated(tmp_path):
    path = tmp_path / "tracker.toml"
    path.write_text('[github]\napi_url = "https://user:s3cret@api.github.com"\n', encoding="utf-8")
    with pytest.raises(config.ConfigError) as refused:
        config.load(str(path))
    assert "api_url" in str(refused.value) and "s3cret" not in str(refused.value)


def test_the_defaults_and_a_loopback_url_are_accepted(tmp_path):
    path = tmp_path / "tracker.toml"
    path.write_text('[github]\napi_url = "http://127.0.0.1:8080"\nmax_wait = 60\n', encoding="utf-8")
    loaded = config.load(str(path)).github
    assert (loaded.api_url, loaded.max_wait, loaded.timeout, loaded.request_deadline) == (
        "http://127.0.0.1:8080", 60.0, 30.0, 60.0)
