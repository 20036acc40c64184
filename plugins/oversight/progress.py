"""What `make run` shows while the DAGs run (rich): a line per task and per DAG as the Airflow
runner reports them.

The runner (oversight.airflow_runner) prints `==> <dag_id>` when a DAG starts, `TASK {json}` as each
of its tasks ends, `DAG {json}` when the DAG ends and `RESULT {json}` last; everything else it prints
(warnings, a DAG that could not start) is passed through. On a terminal a progress bar shows the DAG
and task running and how many DAGs are done.
"""

from __future__ import annotations

import json
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

STARTED = "==> "
TASK_DONE = "TASK "
DAG_DONE = "DAG "
RESULT = "RESULT "


def leading_json(text: str) -> dict:
    """The JSON object a runner line starts with. The runner's stdout and stderr share one pipe, and
    a log line written from another thread can land after the object, before its newline (seen:
    `{"dag_id": ...}2026-12-03T11:45:49Z [info] OpenLineageClient ...`)."""
    value, _ = json.JSONDecoder().raw_decode(text.lstrip())
    return value


def dag_line(dag_id: str, state: str, seconds: float, done: int, total: int) -> Text:
    """`  ok      ingest_ae   12 s  (3/14)`: one finished DAG."""
    ok = state == "ok"
    line = Text("  ")
    line.append(f"{'ok' if ok else 'FAILED':<7}", style="bold green" if ok else "bold red")
    line.append(f" {dag_id:<34} {seconds:>5.0f} s  ({done}/{total})")
    return line


def task_line(task_id: str, state: str, seconds: float | None) -> Text:
    """`      ok      load_source            3 s`: one finished task, under its DAG's line to come."""
    ok = state == "ok"
    line = Text("      ")
    line.append(f"{state if ok or state == 'skipped' else state.upper():<7}", style="green" if ok else "red")
    took = "" if seconds is None else f"{seconds:>5.0f} s"
    line.append(f" {task_id:<30} {took}".rstrip())
    return line


class DagProgress:
    """Feed it the runner's output line by line; `outcome` is each finished DAG's state."""

    def __init__(self, dag_ids: list[str], enabled: bool = True, console: Console | None = None) -> None:
        self.total = len(dag_ids)
        self.enabled = enabled
        self.outcome: dict[str, str] = {}
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("starting Airflow", total=self.total)
        self._live = False

    @property
    def console(self) -> Console:
        return self._progress.console

    def __enter__(self) -> DagProgress:
        self._live = self.enabled and self.console.is_terminal  # a log file gets the lines only
        if self._live:
            self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live:
            self._progress.stop()

    def feed(self, line: str) -> None:
        if line.startswith(RESULT):
            self.outcome.update(leading_json(line[len(RESULT) :]))
        elif line.startswith(DAG_DONE):
            done = leading_json(line[len(DAG_DONE) :])
            self.outcome[done["dag_id"]] = done["state"]
            self._progress.update(self._task, advance=1)
            if self.enabled:
                self.console.print(
                    dag_line(done["dag_id"], done["state"], done["seconds"], len(self.outcome), self.total)
                )
        elif line.startswith(TASK_DONE):
            done = leading_json(line[len(TASK_DONE) :])
            after = f"running {done['dag_id']} ({done['task_id']} done)"
            self._progress.update(self._task, description=after)
            if self.enabled:
                self.console.print(task_line(done["task_id"], done["state"], done["seconds"]))
        elif line.startswith(STARTED):
            self._progress.update(self._task, description=f"running {line[len(STARTED) :].strip()}")
        elif self.enabled:
            self.console.print(line.rstrip("\n"), markup=False, highlight=False, soft_wrap=True)
