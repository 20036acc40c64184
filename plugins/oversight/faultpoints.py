"""Named points where a fault test can stop the process: `OVERSIGHT_PAUSE_AT=<name>`.

When the environment names a point, reaching it writes `<OVERSIGHT_PAUSE_FILE>` (the test waits
for it) and sleeps, so the test can `kill -9` the process exactly there. Unset (always, outside the
fault tests), `reached` reads the settings and does nothing.

Points:
- `raw_copy`: a file's rows are copied into raw, its transaction not committed;
- `raw_validate`: a source's pending loads are listed, its lock held, before the raw GX suite runs;
- `raw_validated`: the raw suite passed, before the loads are marked validated;
- `gate_marts`: the build is complete, before the GX gate;
- `publish_swap`: inside the swap transaction, after each schema was renamed.

A kill during `dbt build` needs no point: the test kills the process once the build schemas hold
some of the tables.
"""

from __future__ import annotations

import os
import time

from oversight.settings import get_settings


def reached(name: str) -> None:
    settings = get_settings()
    if settings.pause_at != name:
        return
    if settings.pause_file:
        settings.pause_file.write_text(f"{os.getpid()} {name}\n")
    time.sleep(settings.pause_seconds)
