"""Import Great Expectations quietly: analytics off, INFO chatter off. Call only inside functions."""

from __future__ import annotations

import logging
import os
from types import ModuleType


def import_gx() -> ModuleType:
    """``great_expectations``, imported (~8 s the first time in a process) with analytics disabled."""
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations
    import great_expectations.expectations  # noqa: F401  (makes .expectations an attribute)

    return great_expectations
