"""A hub's latest snapshot, as the trend queries find it: its own newest day, not the warehouse's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_families import DAY, collect_hf, collect_ms, model

from tracker.reports import trends
from tracker.warehouse import db

NEXT_DAY = DAY + timedelta(days=1)


@pytest.fixture
def con(db_file):
    connection = db.connect(db_file)
    yield connection
    connection.close()


def by_hub(con, name: str) -> dict:
    frame = trends.query(con, name)
    return {hub: (rows["snapshot_date"].dt.date.max(), int(rows["downloads_all_time"].sum()))
            for hub, rows in frame.groupby("hub")}


def test_a_hub_that_missed_the_newest_day_is_shown_at_its_own_latest_snapshot(con):
    collect_hf(con, [model("Qwen/Qwen2.5-7B", "2024-09-15", downloads_all_time=100)])
    collect_ms(con, [model("Qwen/Qwen2.5-7B", "2024-09-20", downloads_all_time=40)])
    collect_hf(con, [model("Qwen/Qwen2.5-7B", "2024-09-15", downloads_all_time=250)], day=NEXT_DAY)

    assert by_hub(con, "downloads_likes_by_country") == {"huggingface": (NEXT_DAY, 250), "modelscope": (DAY, 40)}


def test_when_every_hub_has_the_newest_day_each_is_shown_on_it(con):
    for day, downloads in ((DAY, 10), (NEXT_DAY, 30)):
        collect_hf(con, [model("Qwen/Qwen2.5-7B", "2024-09-15", downloads_all_time=downloads)], day=day)
        collect_ms(con, [model("Qwen/Qwen2.5-7B", "2024-09-20", downloads_all_time=downloads + 1)], day=day)

    assert by_hub(con, "downloads_likes_by_country") == {"huggingface": (NEXT_DAY, 30), "modelscope": (NEXT_DAY, 31)}
