"""Every dbt unit test (the DOMAIN worked examples, ties, the deficit cap, decisions, ...) passes.

The production build leaves unit tests out (oversight.transform.build): they test the models' SQL on
fixed inputs, so they run here, once per session, against a copy of the session's built warehouse
(dbt reads the column types of the published relations they stand in for)."""

from __future__ import annotations

import json

from built_warehouse import Pipeline
from oversight import transform


def test_every_dbt_unit_test_passes(built_copy: Pipeline) -> None:
    settings = built_copy.settings()
    result = transform.unit_tests(built_copy.target, settings)
    assert result.failures == [] and result.success, "\n".join(result.failures)
    manifest = json.loads((settings.dbt_published_target_dir / "manifest.json").read_text())
    declared = len(manifest["unit_tests"])
    assert declared >= 30  # the project's unit tests, not an empty selection
    assert result.counts == {"test:pass": declared}
