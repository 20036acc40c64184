"""The Great Expectations quality gate between loading and publishing.

    report = run_gate("raw", target, "raw", load_ids=[12, 13])   # rows of those loads in raw.*
    report = run_gate("marts", target, "marts__build")          # the marts dbt just built

``run_gate`` validates the group's suites (``oversight.gate.suites``) with a GX file context rooted
at ``expectations/``, stores the validation results under ``expectations/gx/uncommitted/`` and
builds Data Docs into ``settings.data_docs_site_dir``. It returns a ``GateReport`` when every
expectation passed; otherwise it raises ``GateFailedError`` (after results and Data Docs are
written) whose message names each failed expectation, its table and column(s) and example
offending rows, and whose ``report`` attribute holds the ``GateReport``.

Importing this package is cheap: Great Expectations (~8 s to import) is imported on the first run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from oversight.errors import GateFailedError
from oversight.gate.report import GateReport
from oversight.gate.suites import SUITE_GROUPS

if TYPE_CHECKING:
    from oversight.settings import Settings
    from oversight.warehouse import Connection

__all__ = ["SUITE_GROUPS", "GateFailedError", "GateReport", "run_gate"]


def run_gate(
    suite_group: str,
    target: Connection,
    schema: str | None = None,
    load_ids: list[int] | None = None,
    settings: Settings | None = None,
) -> GateReport:
    """Validate one suite group against a warehouse schema; raise ``GateFailedError`` on any failure.

    suite_group: ``"raw"`` (tables of ``schema``, default ``raw``) or ``"marts"`` (tables of
        ``schema``, default ``marts__build``).
    target: the warehouse database (``oversight.warehouse.Connection``).
    load_ids: raw only; validate just the rows of these loads (``_load_id``). A raw table with no
        rows of these loads is skipped. ``None`` validates every row.
    settings: where Data Docs go (``settings.data_docs_site_dir``); default ``get_settings()``.
    """
    from oversight.gate.runner import run_gate as _run_gate

    return _run_gate(suite_group, target, schema, load_ids, settings)
