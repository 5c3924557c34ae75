"""Beyond one machine: Apache Spark, in local mode, reads `tracker export` as it is and gets the warehouse's figures."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import rows, tracker

from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn

RECIPE = Path(__file__).parent.parent / "docs" / "recipes" / "derivatives_by_family_month.spark.sql"
TABLES = ("family_members", "family_names", "derivative_definitions")

pyspark = pytest.importorskip("pyspark", reason="the Spark test needs pyspark and Java 17: "
                                                "`.venv/bin/pip install -e '.[spark]'` and `apt-get install openjdk-17-jre-headless`")
if shutil.which("java") is None:
    pytest.skip("the Spark test needs Java 17: `apt-get install openjdk-17-jre-headless`", allow_module_level=True)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("tracker-export")
               .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    yield session
    session.stop()


def test_spark_over_the_export_counts_new_derivatives_by_family_and_month_as_the_warehouse_does(spark, tmp_path, db_file):
    with HubStandIn(GeneratedEcosystem(5_000, seed=21)) as hub:
        tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
    tracker("--db", str(db_file), "check", check=True)  # resolves the families into their tables
    tracker("--db", str(db_file), "export", "--out", str(tmp_path / "export"), check=True)

    for table in TABLES:
        spark.read.parquet(str(tmp_path / "export" / table)).createOrReplaceTempView(table)
    by_spark = [(r.hub, r.family, r.month, r.definition, r.new_derivatives)
                for r in spark.sql(RECIPE.read_text(encoding="utf-8")).collect()]

    expected = rows(db_file, "SELECT hub, family, month, definition, new_derivatives FROM derivatives_by_family_month "
                             "ORDER BY ALL")
    assert len(expected) > 100 and {r[0] for r in expected} == {"huggingface", "all"}
    assert sorted(by_spark) == expected
    assert all(isinstance(month, date) for _, _, month, _, _ in by_spark)
