"""`screen()`: the one place that orders the stages read → resolve → score (→ write).

The core, `screen_frame`, is a pure function from a frame to a frame with the reference, model and
watchlists passed in, so it can run unchanged as a map over partitions of a larger input.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen.background import Background, warm_model
from riskscreen.colnames import col, protect, restore
from riskscreen.contracts import ReferenceTables, RiskScorer, added_columns
from riskscreen.followup import followup_frame
from riskscreen.io.columns import ColumnRoles, detect_columns, require_roles
from riskscreen.io.read import SupplierTable, read_frame, read_suppliers
from riskscreen.io.read_limits import int_limit
from riskscreen.io.result_names import keep_input_columns, output_column_names
from riskscreen.phrases import say
from riskscreen.reference import load_reference
from riskscreen.resolve import (
    ResolveCache,
    mark_review,
    resolve_country_columns,
    resolve_product_columns,
    screen_name_columns,
)
from riskscreen.run_meta import OPTIONS_KEY, recorded_options, run_meta, watchlist_editions
from riskscreen.scoring import Thresholds, list_label, load_thresholds, score_rows
from riskscreen.threads import one_blas_thread, ordered_map, thread_count
from riskscreen.watchlists import Watchlists, load_watchlists, match_scopes

__all__ = [
    "SUMMARY_COLUMNS", "ScreenRun", "StageTimer", "detect_roles", "run_screen", "screen",
    "screen_chunks", "screen_frame", "screen_to_files", "write_outputs",
]

#: Columns the pipeline adds, in output order: `frame_order` of reference/report_columns.csv.
ADDED_COLUMNS: tuple[str, ...] = added_columns()
#: What a run's summary counts (`run_meta`): all a run keeps of its rows when they are written
#: as they are screened (`run_screen(sink=...)`), text held as Categorical (4 bytes a row).
SUMMARY_COLUMNS: tuple[str, ...] = (
    "flagged", "needs_review", "risk_tier", "good_source", "good_id", "sector", "country_iso3",
)


class StageTimer:
    """Times named stages; shows progress on stderr only when it is a terminal and not quiet."""

    def __init__(self, quiet: bool = False,
                 on_stage: Callable[[str], None] | None = None) -> None:
        self.timings: dict[str, float] = {}
        self._show = not quiet and sys.stderr.isatty()
        self._on_stage = on_stage
        self._owner = threading.get_ident()
        self._lock = threading.Lock()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage `name`. Only the thread that made the timer shows progress;
        stages run by other threads (chunks screened side by side) add their seconds, so a
        stage's time is then the sum over the threads."""
        shown = threading.get_ident() == self._owner
        if shown and self._on_stage is not None:
            self._on_stage(name)
        if shown and self._show:
            print(f"riskscreen: {name} …", end="", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            with self._lock:
                self.timings[name] = self.timings.get(name, 0.0) + elapsed
            if shown and self._show:
                print(f" {elapsed:.1f}s", file=sys.stderr, flush=True)


@dataclass
class ScreenRun:
    """A screening's result frame plus what an auditor needs to reproduce it.

    When the rows were written as they were screened (`run_screen(sink=...)`), `frame` holds
    only `SUMMARY_COLUMNS` and there is no `followup`.
    """

    frame: pl.DataFrame
    table: SupplierTable
    roles: ColumnRoles
    meta: dict[str, Any] = field(default_factory=dict)
    followup: pl.DataFrame | None = None

    @property
    def original_columns(self) -> list[str]:
        return [c for c in self.table.frame.columns if c != "row_id"]


def screen_frame(
    frame: pl.DataFrame,
    roles: ColumnRoles,
    *,
    reference: ReferenceTables,
    model: RiskScorer | Background,
    watchlists: Watchlists,
    thresholds: Thresholds | None = None,
    timer: StageTimer | None = None,
    product: str | None = None,
    cache: ResolveCache | None = None,
) -> pl.DataFrame:
    """Screen a frame that has `row_id` and text columns; return it with the added columns.

    Pure: no I/O; reference, model and watchlists are passed in (`model` may be a `Background`
    load of one, so that loading it overlaps the resolve stage). `product` is one product for
    every row that gives none (`--product`); rows without any are read from the supplier's name.
    `cache` shares the resolvers' work on distinct values between calls (chunks of one input).
    """
    timer = timer or StageTimer(quiet=True)
    th = thresholds or load_thresholds()
    with timer.stage("resolve countries"):
        countries = resolve_country_columns(frame, roles, reference, th["accept_confidence"])
    with timer.stage("resolve products"):
        products = resolve_product_columns(frame, roles, reference, th["accept_confidence"],
                                           product=product, cache=cache)
    with timer.stage("screen names"):
        names = screen_name_columns(frame, roles, countries["country_iso3"], watchlists,
                                    cache=cache)
    work = pl.concat([frame, countries, products, names], how="horizontal")
    with timer.stage("score"):
        scopes = match_scopes(work.select("country_iso3", "region", "good_id"), watchlists)
        work = pl.concat(
            [work, scopes.select(c for c in scopes.columns if c.startswith("scope_"))],
            how="horizontal",
        )
        if isinstance(model, Background):
            model = model.result()
        work = score_rows(work, reference=reference, model=model, thresholds=th)
        work = mark_review(work, th["review_confidence"]).with_columns(
            pl.lit(say("list_name", list=list_label(reference))).alias("reference_edition"),
            pl.lit(watchlist_editions(watchlists)).alias("watchlist_editions"),
        )
    original = [c for c in frame.columns if c != "row_id"]
    added = [c for c in ADDED_COLUMNS if c in work.columns]
    return work.select(col([*original, *added]))


def screen_chunks(frame: pl.DataFrame, roles: ColumnRoles,
                  **options: Any) -> Iterator[pl.DataFrame]:
    """`screen_frame` over slices of `screen_chunk_rows` rows (reference/input_limits.csv),
    yielded one at a time and in order, sharing the resolvers' work (`ResolveCache`): together
    the same rows as one call, with the memory of the resolve and score stages bounded by the
    chunks in hand instead of the input. At least one (maybe empty) chunk is yielded.

    What does not depend on the chunk is done once for the whole input first
    (`ResolveCache.prime`: the distinct products, and the distinct names' country-independent
    work, which runs on while the chunks resolve their countries: a chunk waits only for the
    names of the rows up to its end); `screen_chunks_at_once`
    chunks (at most `threads.thread_count()`) are screened side by side while the caller uses
    the one before (writes it, say)."""
    size = int_limit("screen_chunk_rows")
    if frame.height <= size:
        yield screen_frame(frame, roles, **options)
        return
    cache = ResolveCache()
    timer = options.get("timer") or StageTimer(quiet=True)
    bounds = chunk_bounds(frame.height, size)
    with timer.stage("resolve products"):
        cache.prime(frame, roles, options["watchlists"], options["reference"],
                    options.get("product"), chunk_ends=[stop for _, stop in bounds])
    parts = enumerate(frame.slice(start, stop - start) for start, stop in bounds)
    at_once = min(thread_count(), int_limit("screen_chunks_at_once"))
    yield from ordered_map(
        lambda part: screen_frame(part[1], roles, cache=cache.for_chunk(part[0]), **options),
        parts, at_once)


def chunk_bounds(height: int, size: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk of `height` rows: `size` rows each, except that a last chunk
    of more than half that is cut in two. Its write (the caller's) is the one step that
    nothing else overlaps, so it is kept short."""
    bounds = [(start, min(start + size, height)) for start in range(0, height, size)]
    start, stop = bounds[-1] if bounds else (0, 0)
    if len(bounds) > 1 and stop - start > size // 2:
        middle = start + (stop - start) // 2
        bounds[-1:] = [(start, middle), (middle, stop)]
    return bounds


def screen_chunked(frame: pl.DataFrame, roles: ColumnRoles, **options: Any) -> pl.DataFrame:
    """`screen_chunks` put together: the screened frame, every row."""
    return pl.concat(list(screen_chunks(frame, roles, **options)), how="vertical_relaxed")


def _load_defaults(reference: ReferenceTables | None, model: RiskScorer | Background | None,
                   watchlists: Watchlists | None, extra_watchlists: Sequence[str | Path],
                   ) -> tuple[ReferenceTables, RiskScorer | Background, Watchlists]:
    """Load what was not passed in. The model loads in a background thread while the file is read
    and resolved (scoring waits for it): a fraction of a second from its plain twin, seconds when
    only the skops file is usable (skops imports all of scikit-learn)."""
    if model is None:
        model = Background(warm_model)
    reference = reference if reference is not None else load_reference()
    if watchlists is None:
        watchlists = load_watchlists(extra=[Path(p) for p in extra_watchlists])
    return reference, model, watchlists


def detect_roles(
    table: SupplierTable, columns: Mapping[str, str | None] | None = None
) -> tuple[SupplierTable, ColumnRoles]:
    """The table with input columns named like output columns kept as '<name> (input)', and
    the role of each column (`columns`: role -> header, by its written or its new name).

    A re-screened riskscreen output screens its suppliers, never its earlier results; elsewhere
    a renamed column (a list's own 'good' or 'country_iso3') takes a role no other column takes.
    """
    inputs = keep_input_columns(table.frame, output_column_names(ADDED_COLUMNS))
    if inputs.note is not None:
        table = dataclasses.replace(table, frame=inputs.frame, notes=(*table.notes, inputs.note))
    headers = [c for c in table.frame.columns if c != "row_id"]
    earlier = list(inputs.earlier)
    overrides = {role: inputs.renamed.get(str(col), col) if col else col
                 for role, col in dict(columns or {}).items()}
    roles = detect_columns(
        headers, overrides=overrides, frame=table.frame,
        fallback=() if inputs.is_report else earlier,
        ignore=earlier if inputs.is_report else (),
    )
    return table, roles


@one_blas_thread
def run_screen(
    source: str | Path | pl.DataFrame,
    *,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
    reference: ReferenceTables | None = None,
    model: RiskScorer | None = None,
    watchlists: Watchlists | None = None,
    extra_watchlists: Sequence[str | Path] = (),
    min_tier: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    product: str | None = None,
    quiet: bool = True,
    progress: Callable[[str], None] | None = None,
    sink: Callable[[pl.DataFrame], None] | None = None,
) -> ScreenRun:
    """Read, detect columns, screen; return the frame with the metadata an audit needs.

    `thresholds` overrides rows of `reference/thresholds.csv` (e.g. {"tier_high": 60}); the
    values used are recorded in the run's metadata and the workbook's Method sheet. `product`
    ("garments") is the product of every row that gives none (a row's own product or HS code
    comes first; rows with neither and no `product` have their good read from the supplier's
    name). `progress` is called with each stage's name as it starts (the web page shows it).

    `sink` (e.g. `io.tables_out.TableWriter.write`) receives each screened chunk as it is done,
    in row order, and the run keeps only what its summary counts (`ScreenRun`): the memory of
    a large input's output is then one chunk's.
    """
    timer = StageTimer(quiet=quiet, on_stage=progress)
    with timer.stage("load reference and model"):
        reference, model, watchlists = _load_defaults(reference, model, watchlists,
                                                      extra_watchlists)
    with timer.stage("read"):
        table = read_frame(source) if isinstance(source, pl.DataFrame) else read_suppliers(
            source, sheet=sheet
        )
    with timer.stage("detect columns"):
        table, roles = detect_roles(table, columns)
        require_roles(roles, source=Path(str(table.path)).name if table.path else None)
    th = load_thresholds(**{**dict(thresholds or {}), "min_tier": min_tier})
    # headers such as "*" or "^Product$" travel under internal names (polars would read them
    # as patterns) and come back unchanged in the result
    safe, back = protect(table.frame)
    inner = {v: k for k, v in back.items()}
    safe_roles = replace(roles, **{r: inner[c] for r, c in roles.found().items() if c in inner})
    chunks = screen_chunks(safe, safe_roles, reference=reference, model=model,
                           watchlists=watchlists, thresholds=th, timer=timer, product=product)
    if sink is None:
        frame = restore(pl.concat(list(chunks), how="vertical_relaxed"), back)
    else:
        kept = []
        for chunk in chunks:
            with timer.stage("write"):
                sink(restore(chunk, back))
            kept.append(chunk.select(
                pl.col(c).cast(pl.Categorical) if chunk.schema[c] == pl.String else pl.col(c)
                for c in SUMMARY_COLUMNS))
        frame = pl.concat(kept)
    if isinstance(model, Background):
        model = model.result()
    meta = run_meta(table, roles, reference, model, watchlists, th, frame, product=product)
    followup = None
    if sink is None:
        with timer.stage("follow-up"):
            followup = followup_frame(frame, reference=reference,
                                      columns_used=meta["columns_used"])
    meta["timings_s"] = {k: round(v, 3) for k, v in timer.timings.items()}
    return ScreenRun(frame=frame, table=table, roles=roles, meta=meta, followup=followup)


def screen(source: str | Path | pl.DataFrame, **options: Any) -> pl.DataFrame:
    """Screen a supplier file (xlsx/xls/csv/parquet path) or a polars frame.

    Options: `sheet`, `columns` (role → header, e.g. {"name": "Vendor"}), `min_tier`,
    `thresholds` (e.g. {"tier_high": 60}), `product` (e.g. "garments": the product of every
    row that gives none), `extra_watchlists`, and preloaded `reference`,
    `model`, `watchlists`. Returns every input row
    with the added columns (see the README's output contract).
    """
    return run_screen(source, **options).frame


def write_outputs(run: ScreenRun, output: str | Path, *, all_sheet: bool = True,
                  stamp: bool = False, also: Sequence[str | Path] = (),
                  csv_raw: bool = False, inputs: Sequence[str | Path] = (),
                  written: list[Path] | None = None) -> list[Path]:
    """Write the run to `output` (.xlsx workbook, .csv or .parquet) and any `also` paths.

    Every path is checked first (`io.output_check.check_outputs`: extension, writable folder,
    never the supplier file or one of `inputs` such as a --watchlist). CSV/Parquet files are
    written before the workbook, so a workbook problem never costs the full table. CSV text
    that Excel would run as a formula is apostrophe-prefixed unless `csv_raw`. Each finished
    path is appended to `written` as it lands (so an interrupted caller can say what exists).

    Each output records the options it was made with (thresholds, --min-tier, editions): the
    workbook on its Method sheet, Parquet in its metadata (key "riskscreen"), CSV in a
    sidecar `<name>.csv.json` — `riskscreen diff` reads them to name a changed option.
    """
    # lazy: the workbook writer (openpyxl) is imported only when writing, so `screen_frame`
    # users (a map over partitions, the web app) do not pay for it.
    from riskscreen.io.output_check import check_outputs
    from riskscreen.io.report import write_report
    from riskscreen.io.tables_out import write_options_sidecar, write_table

    input_path = Path(run.table.path) if getattr(run.table, "path", None) else None
    targets = check_outputs([output, *also], [input_path, *inputs])
    done: list[Path] = written if written is not None else []
    ordered = sorted(targets, key=lambda p: p.suffix.lower() == ".xlsx")  # tables first
    for path in ordered:
        if path.suffix.lower() == ".xlsx":
            done.append(write_report(
                run.frame, path, original_columns=run.original_columns, meta=run.meta,
                min_tier=run.meta["thresholds"]["min_tier"], all_sheet=all_sheet, stamp=stamp,
                spend_column=run.roles.spend, input_path=input_path, followup=run.followup,
                csv_escaped=not csv_raw,
            ))
        else:
            options = json.dumps(recorded_options(run.meta), ensure_ascii=False, default=str,
                                 sort_keys=True)
            done.append(write_table(run.frame, path, input_path=input_path,
                                    metadata={OPTIONS_KEY: options},
                                    escape_formulas=not csv_raw))
            if path.suffix.lower() == ".csv":  # CSV has no metadata: the options go beside it
                write_options_sidecar(path, options)
    return [p for p in targets if p in done]


def screen_to_files(source: str | Path | pl.DataFrame, output: str | Path, *,
                    also: Sequence[str | Path] = (),
                    all_sheet: bool = True, stamp: bool = False, csv_raw: bool = False,
                    inputs: Sequence[str | Path] = (), written: list[Path] | None = None,
                    **options: Any) -> tuple[ScreenRun, list[Path]]:
    """Screen `source` and write `output` and `also` (`run_screen` options, `write_outputs`
    ones); return the run and the paths written.

    When every output is .csv or .parquet, each chunk is written as soon as it is screened
    (`TableWriter`; the files appear at the end, whole): memory stays bounded by the chunk, not
    the input. A workbook (.xlsx) among the outputs needs the whole frame (its sheets are
    sorted and summarised), so the run is then held in memory and written by `write_outputs`.
    """
    # lazy: writers are imported only when writing (see write_outputs)
    from riskscreen.io.output_check import check_outputs
    from riskscreen.io.tables_out import TableWriter, write_options_sidecar

    source_path = None if isinstance(source, pl.DataFrame) else Path(source)
    targets = check_outputs([output, *also], [source_path, *inputs])
    if any(p.suffix.lower() == ".xlsx" for p in targets):
        run = run_screen(source, **options)
        return run, write_outputs(run, output, all_sheet=all_sheet, stamp=stamp, also=also,
                                  csv_raw=csv_raw, inputs=inputs, written=written)
    done: list[Path] = written if written is not None else []
    with TableWriter(targets, input_path=source_path, escape_formulas=not csv_raw) as writer:
        run = run_screen(source, sink=writer.write, **options)
        options_json = json.dumps(recorded_options(run.meta), ensure_ascii=False, default=str,
                                  sort_keys=True)
        done.extend(writer.close(metadata={OPTIONS_KEY: options_json}))
    for path in targets:
        if path.suffix.lower() == ".csv":  # CSV has no metadata: the options go beside it
            write_options_sidecar(path, options_json)
    return run, list(targets)
