"""Screen inputs larger than one machine with Dask: `screen_frame` mapped over partitions.

    pip install 'riskscreen[dask]'
    riskscreen screen big.csv -o out.parquet --engine dask [--scheduler tcp://host:8786]

`screen_dask(ddf)` takes a Dask DataFrame of text columns and returns the lazily screened Dask
DataFrame: each partition goes through the same pure `riskscreen.pipeline.screen_frame` as a
single-process run, with `row_id` numbered over the whole input (1-based position, as a
single-process run numbers it). The reference, model and watchlists are shipped to each worker
once, in a worker plugin, not with every task. `screen_to_parquet(path, output)` checks the
file against the input limits (`riskscreen.io.dask_limits`: what one worker holds is held to a
single-process run's limits), reads it with Dask (xlsx/xls are read whole on the client first:
workbooks cannot be split), screens it and writes a Parquet dataset (a folder of part files)
atomically: on any failure — a partition that raises, a worker that died more often than the
scheduler retries, Ctrl-C or SIGTERM — nothing is left at `output`, and the message says what
failed and what to do.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import itertools
import logging
import os
import shutil
import signal
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen.errors import InputError, RiskscreenError
from riskscreen.io.columns import detect_columns, find_header_row, require_roles
from riskscreen.io.dask_limits import (
    check_dask_file,
    check_header_columns,
    check_parquet_parts,
    check_partition,
    csv_block_bytes,
)
from riskscreen.io.output_check import same_file
from riskscreen.io.read import _unique_headers, read_frame, read_suppliers
from riskscreen.io.read_csv import _SEP_LINE, decode_text, sniff_delimiter
from riskscreen.io.read_limits import int_limit
from riskscreen.pipeline import _load_defaults, screen_frame
from riskscreen.scoring import load_thresholds
from riskscreen.watchlists import load_watchlists

__all__ = ["DaskRunError", "screen_dask", "screen_to_parquet"]

#: What a worker holds per run: token -> (reference, model, watchlists, thresholds, roles).
_SHIPPED: dict[str, tuple[Any, ...]] = {}
_TEXT_SUFFIXES = (".csv", ".txt")
#: How much of a CSV is read first for its encoding, delimiter and header (whole lines of it).
_HEAD_BYTES = 1 << 20


class DaskRunError(RiskscreenError):
    """A partition failed or a worker was lost; no output was written."""


def _plugin_class() -> type:
    from distributed.diagnostics.plugin import WorkerPlugin

    class ShipScreenState(WorkerPlugin):
        """Carries the reference, model and watchlists to a worker once (and to any worker that
        joins later); tasks look them up by token."""

        def __init__(self, token: str, state: tuple[Any, ...]) -> None:
            self.token, self.state = token, state
            self.name = f"riskscreen-{token}"

        # the class is pickled by value: reach the worker's own module, not a copied global
        def setup(self, worker: Any) -> None:
            import riskscreen.dask as here

            here._SHIPPED[self.token] = self.state

        def teardown(self, worker: Any) -> None:
            import riskscreen.dask as here

            here._SHIPPED.pop(self.token, None)

    return ShipScreenState


def _screen_partition(pdf: Any, token: str, offsets: Sequence[int] | None, schema: Any,
                      partition_info: dict[str, Any] | None = None) -> Any:
    """One partition: pandas → polars text frame with global row_id → screen_frame → pandas."""

    number = (partition_info or {}).get("number", 0)
    try:
        reference, model, watchlists, th, roles, product = _SHIPPED[token]
    except KeyError:
        raise DaskRunError("this worker has not received the reference/model/watchlists "
                           "(the worker plugin did not run)") from None
    frame = pl.from_pandas(pdf) if len(pdf.columns) else pl.DataFrame()
    if frame.height == 0:
        return schema.to_pandas(use_pyarrow_extension_array=True)
    if offsets is not None:
        start = offsets[number]
        frame = frame.with_columns(
            pl.int_range(start + 1, start + frame.height + 1, dtype=pl.Int64).alias("row_id"))
    check_partition(frame.height, len([c for c in frame.columns if c != "row_id"]),
                    f"partition {number}{_rows_of(number, offsets)}")
    try:
        table = read_frame(frame, source=f"partition {number}")
    except InputError:
        if frame.drop("row_id", strict=False).select(
                pl.any_horizontal(pl.all().is_not_null())).to_series().any():
            raise
        return schema.to_pandas(use_pyarrow_extension_array=True)  # every row empty
    try:
        out = screen_frame(table.frame, roles, reference=reference, model=model, product=product,
                           watchlists=watchlists, thresholds=th)
    except Exception as exc:
        rows = f"rows {table.frame['row_id'].min()}–{table.frame['row_id'].max()}"
        raise DaskRunError(f"partition {number} ({rows}) failed: "
                           f"{type(exc).__name__}: {exc}") from exc
    return out.select(schema.columns).cast(schema.schema).to_pandas(
        use_pyarrow_extension_array=True)


def _output_schema(columns: Sequence[str], roles: Any, state: tuple[Any, ...]) -> pl.DataFrame:
    """The screened frame's empty shape, from screening one made-up row on the client."""

    reference, model, watchlists, th, _, product = state
    probe = pl.DataFrame({c: ["x"] for c in columns}).with_columns(
        pl.lit(1, pl.Int64).alias("row_id"))
    out = screen_frame(probe, roles, reference=reference, model=model, product=product,
                       watchlists=watchlists,
                       thresholds=th)
    out = out.with_columns(pl.col(c).cast(pl.String) for c, t in out.schema.items()
                           if t == pl.Null)
    return out.clear()


def screen_dask(
    ddf: Any,
    roles: Any = None,
    *,
    columns: Mapping[str, str] | None = None,
    reference: Any = None,
    model: Any = None,
    watchlists: Any = None,
    thresholds: Mapping[str, float] | None = None,
    min_tier: str | None = None,
    client: Any = None,
    product: str | None = None,
) -> Any:
    """Screen a Dask DataFrame of text columns; return the lazy screened Dask DataFrame.

    `roles` (a `ColumnRoles`) or `columns` (role → header overrides) say which columns are the
    supplier name, country, product …; without them they are found from the headers. Without
    a `row_id` column rows are numbered 1.. over the whole frame (this counts each partition's
    rows first: the input is read twice). Runs on `client` (default: the current distributed
    client; none: Dask's local scheduler in this process); `product` as in `screen_frame`
    (--product). Compute or write the result while
    the client that shipped the state is alive.
    """
    screened, _, _ = _screen_dask(ddf, roles, columns=columns, reference=reference, model=model,
                                  watchlists=watchlists, thresholds=thresholds, min_tier=min_tier,
                                  client=client, product=product)
    return screened


def _own_row_id(ddf: Any) -> Any:
    """The frame's own `row_id` is kept only when it is whole numbers from 1, none missing or
    repeated over the whole frame (as one process keeps it: partitions cannot tell alone);
    otherwise it stays as 'row_id (input)' and rows are numbered."""
    import dask
    import pandas as pd

    if "row_id" not in ddf.columns:
        return ddf
    column = ddf["row_id"]
    if pd.api.types.is_integer_dtype(column.dtype):
        rows, filled, distinct, low = dask.compute(column.size, column.count(),
                                                   column.nunique(), column.min())
        if rows == filled == distinct and (rows == 0 or low >= 1):
            return ddf
    kept = _unique_headers([str(c) for c in ddf.columns])  # 'row_id' -> 'row_id (input)'
    return ddf.rename(columns=dict(zip(ddf.columns, kept, strict=True)))


def _screen_dask(
    ddf: Any,
    roles: Any = None,
    *,
    columns: Mapping[str, str] | None = None,
    reference: Any = None,
    model: Any = None,
    watchlists: Any = None,
    thresholds: Mapping[str, float] | None = None,
    min_tier: str | None = None,
    client: Any = None,
    product: str | None = None,
) -> tuple[Any, list[int] | None, str]:
    """`screen_dask`, also returning where each partition starts (0-based, then the row count;
    None when the frame brings its own row_id) and the token its state is shipped under."""
    import dask.dataframe as dd

    if not isinstance(ddf, dd.DataFrame):
        raise InputError("screen_dask takes a dask.dataframe.DataFrame")
    reference, model, watchlists = _load_defaults(reference, model, watchlists, ())
    if hasattr(model, "result"):
        model = model.result()
    th = load_thresholds(**{**dict(thresholds or {}), "min_tier": min_tier})
    ddf = _own_row_id(ddf)
    headers = [str(c) for c in ddf.columns if c != "row_id"]
    if roles is None:
        roles = detect_columns(headers, overrides=dict(columns or {}))
        require_roles(roles)
    ddf = ddf.astype({c: "string[pyarrow]" for c in headers})
    state = (reference, model, watchlists, th, roles, product)
    token = uuid.uuid4().hex
    if client is None:
        with contextlib.suppress(ImportError, ValueError):
            from distributed import get_client

            client = get_client()
    if client is not None:
        client.register_plugin(_plugin_class()(token, state))
    _SHIPPED[token] = state  # the client process and in-process schedulers
    schema = _output_schema(headers, roles, state)
    offsets = None
    if "row_id" not in ddf.columns:
        lengths = ddf.map_partitions(len).compute()
        # where each partition starts, then where the last one ends
        offsets = [0, *itertools.accumulate(int(n) for n in lengths)]
    meta = schema.to_pandas(use_pyarrow_extension_array=True)
    screened = ddf.map_partitions(_screen_partition, token, offsets, schema, meta=meta,
                                  align_dataframes=False, enforce_metadata=False)
    return screened, offsets, token


def _csv_header(text: str, delimiter: str,
                label: str) -> tuple[int, list[str], list[str | None]]:
    """Where the header is in a CSV's first lines (found by its content, as a single-process run
    finds it: title and blank rows above it are skipped), its column names, made unique the
    same way, and its cells as written; so `row_id` counts from the row below it, blank rows
    included."""
    rows: list[list[str | None]] = []
    filled: list[int] = []
    for record in csv.reader(io.StringIO(text), delimiter=delimiter):
        cells = [c if c.strip() else None for c in record]
        if any(cells):
            filled.append(len(rows))
        rows.append(cells)
        if len(filled) >= int_limit("header_scan_rows"):
            break
    if not filled:
        raise InputError(f"{label}: it is empty (only blank cells); there is nothing to screen")
    width = max(len(rows[i]) for i in filled)
    pick = find_header_row([rows[i] + [None] * (width - len(rows[i])) for i in filled])
    at = filled[pick or 0]
    check_header_columns(len(rows[at]), label)
    return at, _unique_headers(rows[at]), rows[at]


def _blank_header_repeats(pdf: Any, named: Sequence[tuple[str, str]]) -> Any:
    """Rows that repeat the header (paged report exports) made blank, so that they are skipped
    like blank rows and keep their place in `row_id`, as a single-process run drops them."""
    import numpy as np

    if len(named) < 2 or len(pdf) == 0:
        return pdf
    same = np.logical_and.reduce([(pdf[name] == text).fillna(False).to_numpy(dtype=bool)
                                  for name, text in named])
    if same.any():
        pdf = pdf.copy()
        pdf.loc[same, :] = None
    return pdf


def _read_dask(path: Path, partitions: int | None, sheet: str | int | None) -> Any:
    """The input as a Dask DataFrame of text, after the checks of `io.dask_limits`; workbooks
    are read whole (they cannot be split)."""
    import dask.dataframe as dd

    suffix, label = path.suffix.lower(), path.name or str(path)
    if suffix in _TEXT_SUFFIXES:
        check_dask_file(path, label, kind_wanted="text")
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
        if size > len(head) and b"\n" in head:
            head = head[:head.rindex(b"\n") + 1]  # whole lines: no character cut in two
        text, encoding = decode_text(head, label)
        if encoding not in ("utf-8", "utf-8-sig"):
            raise InputError(f"{label}: --engine dask reads UTF-8 CSV only (this file is "
                             f"{encoding}); save it as UTF-8 or use the default engine")
        forced = _SEP_LINE.match(text)  # Excel's "sep=;" first line
        delimiter = forced.group(1) if forced else sniff_delimiter(text)
        skip, headers, raw = _csv_header(text, delimiter, label)
        ddf = dd.read_csv(str(path), sep=delimiter, dtype=str,
                          blocksize=csv_block_bytes(size, label, partitions), skiprows=skip,
                          header=0, names=headers, skip_blank_lines=False,
                          keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        named = [(h, t) for h, t in zip(headers, raw, strict=False) if t is not None]
        ddf = ddf.map_partitions(_blank_header_repeats, named, meta=ddf._meta)
    elif suffix == ".parquet":
        check_dask_file(path, label, kind_wanted="parquet")
        check_parquet_parts(path, label, partitions)
        ddf = dd.read_parquet(str(path), split_row_groups=True)  # a row group per partition
        ddf = ddf.astype({c: "string[pyarrow]" for c in ddf.columns if c != "row_id"})
    else:  # xlsx/xlsm/xls/ods: read whole here with the normal reader, then split
        table = read_suppliers(path, sheet=sheet)
        pdf = table.frame.to_pandas(use_pyarrow_extension_array=True)
        ddf = dd.from_pandas(pdf, npartitions=partitions or max(1, table.frame.height // 100_000))
    if partitions and ddf.npartitions != partitions and suffix not in _TEXT_SUFFIXES:
        ddf = ddf.repartition(npartitions=partitions)
    return ddf


def _replace_dir(tmp: Path, target: Path) -> None:
    """Move the finished dataset folder onto `target` (an old file or folder there goes)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()


def _partition_of(key: Any) -> int | None:
    """The partition number in a Dask task key such as ('_screen_partition-…', 3)."""
    if isinstance(key, tuple) and len(key) >= 2 and isinstance(key[-1], int):
        return key[-1]
    return None


def _rows_of(number: int | None, offsets: Sequence[int] | None) -> str:
    """' (rows 201–300)' for a partition when its place in the input is known."""
    if number is None or offsets is None or number + 1 >= len(offsets):
        return ""
    return f" (rows {offsets[number] + 1}–{offsets[number + 1]})"


def _failure(exc: Exception, offsets: Sequence[int] | None, label: str) -> DaskRunError:
    """What failed and what to do, for an error that ended a Dask run on input `label`."""
    from distributed import KilledWorker

    if isinstance(exc, RiskscreenError):
        return DaskRunError(f"{exc}; no output was written")
    if type(exc).__name__ == "ParserError":  # pandas, reading one block of a CSV
        first = (str(exc).strip().splitlines() or [""])[0]
        why = ("a quoted cell holds a line break where Dask cut the file into pieces (it cuts "
               "at line ends)" if "inside string" in first
               else "a row does not fit the header")
        return DaskRunError(
            f"{label}: --engine dask could not read the CSV in pieces: {why} (pandas: {first}). "
            "Save the list as Parquet, or screen it with the default engine, which reads "
            "both; no output was written")
    if isinstance(exc, KilledWorker):
        task, _, allowed = (*exc.args, None, None, None)[:3]
        number = _partition_of(task)
        what = (f"partition {number}{_rows_of(number, offsets)}" if number is not None
                else f"task {task}")
        tries = (f"{int(allowed) + 1} time(s) (its distributed.scheduler.allowed-failures is "
                 f"{allowed})" if isinstance(allowed, int) else "too often")
        return DaskRunError(
            f"a Dask worker died during the run and the scheduler gave up on {what}, which that "
            f"worker held: it gives up on a task whose worker died {tries}. No output was "
            "written. A worker is usually killed for using too much memory: cut the input into "
            "more, smaller pieces (--partitions), give the workers more memory, or look in the "
            "worker and scheduler logs for why it died")
    return DaskRunError(f"the Dask run failed ({type(exc).__name__}: {exc}); "
                        "no output was written")


class _DropAbandonedGather(logging.Filter):
    """Drops asyncio's 'Task exception was never retrieved … AllExit' (a traceback) that
    distributed's client leaves behind when a run is interrupted while it waits for results."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return type(exc).__name__ != "AllExit"


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Any:
    """Worker processes started inside inherit an ignored SIGINT: Ctrl-C in a terminal reaches
    the whole process group, and only this process should act on it (it stops the cluster;
    workers that caught it themselves would print tracebacks)."""
    try:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _in_gc_callback(frame: Any) -> bool:
    """True when `frame` runs inside a garbage-collector callback (gc.callbacks)."""
    codes = {getattr(getattr(cb, "__func__", cb), "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


class _SignalGuard:
    """Makes sure Ctrl-C, SIGTERM and SIGHUP stop a Dask run.

    A local cluster's scheduler runs in this process and watches the garbage collector from a
    gc callback; a handler that raises there, or in a finaliser, has its exception printed and
    dropped, and the run would go on to write its output. Inside a gc callback the signal is
    delivered again 50 ms later instead; elsewhere it raises as before, and is delivered again
    after half a second unless `handled()` says the exception arrived. `check()` raises a
    signal that is still pending, before anything is written."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self.saved: dict[int, Any] = {}

    def __enter__(self) -> _SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):
                sig = getattr(signal, name, None)
                handler = signal.getsignal(sig) if sig is not None else None
                if sig is not None and callable(handler):
                    self.saved[sig] = handler
                    signal.signal(sig, self._deliver)
        return self

    def _deliver(self, signum: int, frame: Any) -> None:
        self.pending = signum
        if _in_gc_callback(frame):
            self._again(signum, 0.05)
            return
        self._again(signum, 0.5)
        self.saved[signum](signum, frame)

    def _again(self, signum: int, delay: float) -> None:
        def resend() -> None:
            if self.pending == signum and self.saved:
                os.kill(os.getpid(), signum)

        timer = threading.Timer(delay, resend)
        timer.daemon = True
        timer.start()

    def handled(self) -> None:
        """The signal's exception reached the run: no need to deliver it again."""
        self.pending = None

    def check(self) -> None:
        """Raise a signal whose exception was lost, now."""
        signum = self.pending
        if signum is not None:
            self.pending = None
            self.saved[signum](signum, None)

    def __exit__(self, *exc: object) -> None:
        self.pending = None
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        self.saved = {}


def screen_to_parquet(
    source: str | Path,
    output: str | Path,
    *,
    scheduler: str | None = None,
    partitions: int | None = None,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
    min_tier: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    extra_watchlists: Sequence[str | Path] = (),
    n_workers: int = 2,
    client: Any = None,
    product: str | None = None,
) -> Path:
    """Screen `source` with Dask and write `output` as a Parquet dataset (folder of parts).

    `scheduler`: address of a running Dask scheduler (`tcp://host:8786`); without it a local
    cluster of `n_workers` processes is started for the run (a task whose worker dies is tried
    once more, then the run fails). `partitions`: how many pieces to cut the input into.
    `client`: an existing `distributed.Client` to run on (left open). The output folder appears
    only when every partition succeeded; on any error or interruption nothing is left.
    """
    import dask
    from distributed import Client, LocalCluster

    src, target = Path(source), Path(output)
    if target.suffix.lower() != ".parquet":
        raise InputError(f"-o {target}: --engine dask writes Parquet; name the output .parquet")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {target}: folder {folder} does not exist")
    for given in (src, *extra_watchlists):
        if same_file(target, given):
            raise InputError(f"refusing to write the output to {target}: that is the input file "
                             f"{given} (or a link to it); choose another output name. Nothing "
                             "was written")
    try:  # the input's checks and Dask's first look at it, before any cluster starts
        ddf = _read_dask(src, partitions, sheet)
    except InputError:
        raise
    except Exception as exc:
        raise _failure(exc, None, src.name) from exc
    watchlists = load_watchlists(extra=[Path(p) for p in extra_watchlists])
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, _DropAbandonedGather) for f in asyncio_log.filters):
        asyncio_log.addFilter(_DropAbandonedGather())
    cluster = tmp = token = None
    offsets: list[int] | None = None
    retries = dask.config.set({"distributed.scheduler.allowed-failures": 1})
    signals = _SignalGuard().__enter__()
    try:
        if client is not None:
            client_cm: Any = contextlib.nullcontext(client)
        elif scheduler:
            try:
                client = Client(scheduler, timeout="30s")
            except OSError as exc:
                raise InputError(f"--scheduler {scheduler}: cannot reach it ({exc})") from None
            client_cm = client
        else:  # quiet (its log lines would repeat, less clearly, the error raised here), its
            # dashboard on a free local port (not 8787, which another cluster may hold)
            with _workers_ignore_ctrl_c():
                cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                       dashboard_address="127.0.0.1:0", processes=True,
                                       silence_logs=logging.CRITICAL)
            client = client_cm = Client(cluster)
        with client_cm:
            try:
                screened, offsets, token = _screen_dask(
                    ddf, columns=columns, watchlists=watchlists, product=product,
                    thresholds=thresholds, min_tier=min_tier, client=client)
                # named before it exists: an interruption can never leave it unnamed
                tmp = folder / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
                tmp.mkdir()
                screened.to_parquet(str(tmp), write_index=False, overwrite=True)
            except Exception as exc:
                if isinstance(exc, InputError) and tmp is None:
                    raise  # the input itself, found before any work: its own message
                raise _failure(exc, offsets, src.name) from exc
            except BaseException:
                signals.handled()
                raise
            finally:
                if token is not None and cluster is None:  # a cluster that stays: unload
                    _SHIPPED.pop(token, None)
                    with contextlib.suppress(Exception):
                        client.unregister_worker_plugin(f"riskscreen-{token}")
            signals.check()
            _replace_dir(tmp, target)
            tmp = None
    except BaseException:
        signals.handled()
        raise
    finally:
        try:
            if cluster is not None:
                cluster.close()
        finally:
            retries.__exit__(None, None, None)
            if tmp is not None:  # after the workers stopped writing into it
                shutil.rmtree(tmp, ignore_errors=True)
            signals.__exit__(None, None, None)
    return target
