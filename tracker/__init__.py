"""The open-source AI ecosystem tracker, one import package over the repository's top-level folders.

Import path -> folder (pyproject.toml's [tool.setuptools.package-dir] installs them so):

    tracker              tracker/         entry points (cli, pipeline, sources, config), the gazetteer
    tracker.sim          tracker/sim/     local stand-ins of the three hubs, for the tests and the demo
    tracker.collectors   collectors/      one collector per hub
    tracker.warehouse    warehouse/       the DuckDB file: schema, loading, every .sql (warehouse/sql.py), reference data
    tracker.reports      reports/         claim checks, charts and the report

So `tracker.warehouse.reference` is warehouse/reference.py. The mapping holds once the project is
installed (`pip install -e .`); the tests import it as users do, through `tracker.`.
"""
