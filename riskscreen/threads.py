"""Run independent pieces of one screening on several threads, results in order.

Most of screening is polars and rapidfuzz work, which runs outside Python's global lock, but a
single polars operation on one column mostly keeps one core busy. Independent pieces (batches of
distinct names, chunks of a large input) run side by side on `thread_count()` threads; results
come back in input order, so the output is the same as one thread's.
"""

from __future__ import annotations

import functools
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache, partial
from typing import Any, TypeVar

import polars as pl
from threadpoolctl import threadpool_limits

from riskscreen.tables import numbers

__all__ = ["Background", "one_blas_thread", "ordered_map", "thread_count"]

T = TypeVar("T")
R = TypeVar("R")


@lru_cache(maxsize=1)
def thread_count() -> int:
    """Threads that screen at once: `screen_threads` of reference/input_limits.csv, or polars'
    own thread count (the cores, or POLARS_MAX_THREADS) when that row is 0."""
    wanted = int(numbers("input_limits").get("screen_threads", 0))
    return max(1, wanted if wanted > 0 else pl.thread_pool_size())


class _OneBlasThread:
    """Counts the calls running under `one_blas_thread`: the first sets BLAS to one thread, the
    last one out gives the process its setting back (calls may overlap on several threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._limit: Any = None

    def __enter__(self) -> None:
        with self._lock:
            if self._users == 0:
                self._limit = threadpool_limits(limits=1, user_api="blas")
            self._users += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limit.restore_original_limits()
                self._limit = None


_ONE_BLAS_THREAD = _OneBlasThread()


def one_blas_thread(func: Callable[..., R]) -> Callable[..., R]:
    """Run `func` with BLAS (numpy's matrix products) on one thread. A screening's matrices
    are small (the model's countries x goods): one thread does them as fast, where OpenBLAS's
    pool keeps its idle threads spinning for a while after each product, taking CPU time the
    screening's own threads need. The process's setting comes back when the last such call
    returns."""
    @functools.wraps(func)
    def limited(*args: Any, **kwargs: Any) -> R:
        with _ONE_BLAS_THREAD:
            return func(*args, **kwargs)
    return limited


class Background:
    """Run `func()` in a daemon thread (a Ctrl-C or an error exit never waits for it);
    `result()` joins it and returns its value or raises its error in the caller's thread."""

    def __init__(self, func: Callable[[], R]) -> None:
        self._value: R | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(func,), daemon=True)
        self._thread.start()

    def _run(self, func: Callable[[], R]) -> None:
        try:
            self._value = func()
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller's thread
            self._error = exc

    def result(self) -> R:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


def ordered_map(func: Callable[[T], R], items: Iterable[T], threads: int) -> Iterator[R]:
    """`map(func, items)` with up to `threads` calls running at once, yielded in order.

    At most `threads` results are being made while the caller holds the one yielded, so memory
    is bounded by `threads + 1` results. The first error is raised in the caller's thread once
    the results before it have been yielded; calls already running finish on their own.
    With `threads` <= 1 it is plain `map`.
    """
    if threads <= 1:
        yield from map(func, items)
        return
    source = iter(items)
    running: deque[Background] = deque()
    for item in source:
        running.append(Background(partial(func, item)))
        if len(running) >= threads:
            break
    while running:
        done = running.popleft().result()
        for item in source:  # keep `threads` busy while the caller uses `done`
            running.append(Background(partial(func, item)))
            break
        yield done
