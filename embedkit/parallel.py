"""Running the counting stages on every core: a local process pool behind a small
ordered-map interface, and a tree reduction of partial results.

The task functions handed to :func:`ordered_map` are plain module-level functions of
picklable arguments, so the same tasks can run serially (``workers=1``), in the local
process pool, or on another engine.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from .errors import ParameterError

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def check_workers(workers: int | None) -> int:
    if workers is None:
        return default_workers()
    if workers < 1:
        raise ParameterError(f"--workers must be at least 1, got {workers}")
    return workers


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int = 1, ahead: int | None = None) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` processes, results in input order.

    At most ``ahead`` tasks (default 2 per worker) are in flight, so a long input streams
    through bounded memory.  ``workers=1`` runs in this process.
    """
    if workers <= 1:
        yield from map(fn, items)
        return
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else None)
    limit = ahead or 2 * workers
    pending: deque = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= limit:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BaseException:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise


class TreeSum:
    """Add partial results pairwise, like a binary counter: O(log n) partials alive, and
    each input takes part in O(log n) additions (never one ever-growing running total)."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, Any]] = []

    def add(self, x: Any) -> None:
        level = 0
        while self._stack and self._stack[-1][0] == level:
            _, other = self._stack.pop()
            x = other + x
            level += 1
        self._stack.append((level, x))

    def total(self, empty: Any) -> Any:
        out = empty
        for _, x in reversed(self._stack):
            out = x + out
        return out
