"""Progress on stderr: a rich bar per stage on a terminal, silent otherwise.

Library functions take an optional ``progress`` callback (``advance(n)``); the command line
creates a :class:`Reporter` and hands each stage's callback down.  ``--quiet`` silences the
bars, ``--verbose`` prints the time of each stage when it ends (terminal or not).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator

Advance = Callable[[int], None]


def _ignore(_: int) -> None:
    pass


class Reporter:
    def __init__(self, quiet: bool = False, verbose: bool = False) -> None:
        self.show = not quiet and sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
        self.verbose = verbose
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str, total: int | None = None, unit: str = "bytes") -> Iterator[Advance]:
        """Time a stage and show it; yields ``advance(n)`` to report n more units done."""
        t = time.perf_counter()
        if self.show:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TransferSpeedColumn,
            )

            if unit == "bytes":
                counter = [BarColumn(), DownloadColumn(), TransferSpeedColumn()]
            elif total is not None:
                counter = [BarColumn(), MofNCompleteColumn(), TextColumn(unit), _rate_column(unit)]
            else:
                counter = []  # a spinner and the time: nothing to count
            columns = [SpinnerColumn(), TextColumn(f"{name:<10}"), *counter, TimeElapsedColumn()]
            with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task(name, total=total)
                yield lambda n: bar.advance(task, n)
        else:
            yield _ignore
        elapsed = time.perf_counter() - t
        self.timings[name] = self.timings.get(name, 0.0) + elapsed
        if self.verbose:
            print(f"embedkit: {name:<10} {elapsed:7.2f} s", file=sys.stderr)


def _rate_column(unit: str):
    """A rich column showing units per second (e.g. '2.1 M tokens/s')."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            elapsed = task.finished_time if task.finished else task.elapsed
            speed = task.completed / elapsed if elapsed else None  # the average so far
            if not speed:
                return Text("", style="progress.data.speed")
            scaled, prefix = (
                (speed / 1e6, "M ") if speed >= 1e6 else (speed / 1e3, "k ") if speed >= 1e3 else (speed, "")
            )
            return Text(f"{scaled:.1f} {prefix}{unit}/s", style="progress.data.speed")

    return Rate()


#: A reporter that shows nothing (the default for library calls).
SILENT = Reporter(quiet=True)
