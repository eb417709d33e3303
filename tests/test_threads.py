"""Independent pieces run side by side (`riskscreen.threads`), and the caches they share keep
every distinct value once, so the result is the same as one thread's."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

import riskscreen
from riskscreen.io.columns import ColumnRoles
from riskscreen.resolve import ResolveCache, screen_name_columns
from riskscreen.threads import ordered_map, thread_count
from riskscreen.watchlists.index import entity_index
from riskscreen.watchlists.names import NameCandidates


def test_results_come_back_in_order_with_bounded_calls_at_once():
    running, most = 0, 0
    lock = threading.Lock()

    def slow_first(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05 if i % 3 == 0 else 0.01)  # early items finish last
        with lock:
            running -= 1
        return i * i

    assert list(ordered_map(slow_first, range(10), 3)) == [i * i for i in range(10)]
    assert 1 < most <= 3


def test_an_error_comes_after_the_results_before_it():
    def fail_at_four(i: int) -> int:
        if i == 4:
            raise ValueError("item 4")
        return i

    got = []
    with pytest.raises(ValueError, match="item 4"):
        for value in ordered_map(fail_at_four, range(8), 2):
            got.append(value)
    assert got == [0, 1, 2, 3]


def test_one_thread_is_plain_map_in_the_callers_thread():
    caller = threading.get_ident()
    assert list(ordered_map(lambda _: threading.get_ident(), range(3), 1)) == [caller] * 3
    assert thread_count() >= 1


def _names() -> pl.Series:
    listed = riskscreen.load_watchlists()
    sample = entity_index(listed).aliases["alias"].head(40).to_list()
    return pl.Series("name_input", [*sample, "Acme Widgets", "Golden Textiles Ltd"],
                     dtype=pl.String)


def test_name_work_shared_by_two_threads_keeps_each_name_once():
    index = entity_index(riskscreen.load_watchlists())
    names = _names()
    alone = NameCandidates().of(names, index)
    shared = NameCandidates()
    halves = [names.slice(0, 30), names.slice(10)]  # 20 names in both halves
    start = threading.Barrier(2)

    def run(part: pl.Series) -> None:
        start.wait()
        shared.of(part, index)

    threads = [threading.Thread(target=run, args=(p,)) for p in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert shared.seen.sort().equals(names.sort())  # every name once
    order = ["name_input", "aid"]
    assert shared.rows.sort(order).equals(alone.sort(order))  # the same rows, none twice


def test_primed_names_give_the_same_hits_without_more_name_work():
    lists = riskscreen.load_watchlists()
    names = _names()
    frame = pl.DataFrame({"row_id": range(len(names)), "Supplier": names})
    roles = ColumnRoles(name="Supplier")
    iso = pl.Series("country_iso3", ["CHN"] * len(names))
    plain = screen_name_columns(frame, roles, iso, lists)
    cache = ResolveCache()
    cache.prime(frame, roles, lists, riskscreen.load_reference())
    rows = cache.name_candidates().rows.height
    assert screen_name_columns(frame, roles, iso, lists, cache=cache).equals(plain)
    assert cache.candidates.rows.height == rows  # nothing screened again


def test_chunks_at_once_stay_within_the_limit(monkeypatch, example_workbook):
    import riskscreen.pipeline as pipeline
    from riskscreen.io import read_limits

    limits = {**read_limits._limits(), "screen_chunk_rows": 40.0, "screen_chunks_at_once": 2.0}
    monkeypatch.setattr(read_limits, "_limits", lambda: limits)
    monkeypatch.setattr(pipeline, "thread_count", lambda: 4)
    running, most = 0, 0
    lock = threading.Lock()
    plain = pipeline.screen_frame

    def counted(*args, **kwargs):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.02)
            return plain(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(pipeline, "screen_frame", counted)
    frame = riskscreen.screen(example_workbook)
    assert frame.height > 5 * 40 and most == 2  # side by side, never more than the limit


def test_a_chunk_waits_only_for_the_names_of_its_rows(monkeypatch):
    import riskscreen.watchlists.names as names_module

    lists = riskscreen.load_watchlists()
    names = _names()
    frame = pl.DataFrame({"row_id": range(2 * len(names)), "Supplier": [*names, *names]})
    roles = ColumnRoles(name="Supplier")
    small = {**names_module.thresholds(), "name_batch_size": 10}
    monkeypatch.setattr(names_module, "thresholds", lambda: small)
    release = threading.Event()
    plain = names_module._batch_candidates
    done: list[int] = []

    def held(batch: pl.Series, index) -> pl.DataFrame:
        if done:  # every batch after the first waits until the test lets it go on
            release.wait(5)
        done.append(len(batch))
        return plain(batch, index)

    monkeypatch.setattr(names_module, "_batch_candidates", held)
    monkeypatch.setattr(names_module, "thread_count", lambda: 1)
    cache = ResolveCache()
    cache.prime(frame, roles, lists, riskscreen.load_reference(),
                chunk_ends=range(10, frame.height + 1, 10))
    first = cache.for_chunk(0).name_candidates()  # its 10 names are the first batch
    assert done == [10] and first.seen.len() == 10
    release.set()
    whole = cache.for_chunk(len(names) // 10 + 1).name_candidates()  # rows repeat names
    assert whole.seen.sort().equals(names.sort())


def test_an_error_in_the_name_work_reaches_the_waiting_chunks(monkeypatch):
    import riskscreen.resolve as resolve_module

    def broken(_lists):
        raise RuntimeError("watchlist index broke")

    monkeypatch.setattr(resolve_module, "entity_index", broken)
    frame = pl.DataFrame({"row_id": [1, 2], "Supplier": ["Acme", "Hoshine Silicon"]})
    cache = ResolveCache()
    cache.prime(frame, ColumnRoles(name="Supplier"), riskscreen.load_watchlists(),
                riskscreen.load_reference(), chunk_ends=[1, 2])
    with pytest.raises(RuntimeError, match="index broke"):  # raised, not waited for forever
        cache.for_chunk(1).name_candidates()


def test_blas_runs_on_one_thread_during_a_screening_and_comes_back():
    import numpy  # noqa: F401 — loads the BLAS library
    from threadpoolctl import threadpool_info

    from riskscreen.threads import one_blas_thread

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    seen: list[list[int]] = []

    @one_blas_thread
    def inner() -> None:
        seen.append(blas_threads())

    @one_blas_thread
    def screening() -> None:  # calls overlap (the web page may run two screenings at once)
        inner()
        seen.append(blas_threads())  # the inner call's end did not give the setting back

    screening()
    assert before and seen == [[1] * len(before)] * 2
    assert blas_threads() == before  # the process's own setting once the last call is done


def test_importing_riskscreen_first_tunes_polars_allocator_unless_the_caller_chose():
    import os
    import subprocess
    import sys

    code = "import riskscreen, polars, os; print(os.environ['_RJEM_MALLOC_CONF'])"
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    ours = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True).stdout
    # polars' own settings first, then ours, which jemalloc reads last (so they win)
    assert ours.strip().endswith(f",narenas:{os.cpu_count()}")
    theirs = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**env, "_RJEM_MALLOC_CONF": "narenas:64"}, check=True).stdout
    assert theirs.strip().endswith(",narenas:64") and f"narenas:{os.cpu_count()}" not in theirs
