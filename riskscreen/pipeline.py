"""`screen()`: the one place that orders the stages read → resolve → score (→ write).

The core, `screen_frame`, is a pure function from a frame to a frame with the reference, model and
watchlists passed in, so it can run unchanged as a map over partitions of a larger input.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen.background import Background, warm_model
from riskscreen.colnames import col, protect, restore
from riskscreen.io.columns import ColumnRoles, detect_columns, require_roles
from riskscreen.io.read import SupplierTable, read_frame, read_suppliers
from riskscreen.resolve import (
    mark_review,
    resolve_country_columns,
    resolve_product_columns,
    screen_name_columns,
)
from riskscreen.run_meta import run_meta, watchlist_editions
from riskscreen.scoring import Thresholds, load_thresholds, score_rows
from riskscreen.watchlists import Watchlists, load_watchlists, match_scopes

__all__ = ["ScreenRun", "StageTimer", "run_screen", "screen", "screen_frame", "write_outputs"]

#: Columns the pipeline adds, in output order (the output contract comes first).
ADDED_COLUMNS: tuple[str, ...] = (
    "row_id", "country_iso3", "country_name", "country_confidence", "country_method",
    "country_candidates", "region", "good", "good_id", "good_confidence", "good_method",
    "good_candidates", "sector", "listed_child_labour", "listed_forced_labour", "listing_edition",
    "p_child_labour", "p_forced_labour", "p_any_finding", "country_assessed", "model_factors",
    "watchlist_name", "watchlist_source", "watchlist_list", "watchlist_entry_id",
    "watchlist_section", "watchlist_date", "watchlist_status", "watchlist_alias",
    "watchlist_score", "watchlist_method", "watchlist_features", "watchlist_candidates",
    "scope_list", "scope_entry_id", "scope_name", "scope_action", "scope_date", "scope_status",
    "risk_score", "risk_tier", "flagged", "reasons", "needs_review", "review_reason", "ilab_url",
    "reference_edition", "watchlist_editions",
)


class StageTimer:
    """Times named stages; shows progress on stderr only when it is a terminal and not quiet."""

    def __init__(self, quiet: bool = False) -> None:
        self.timings: dict[str, float] = {}
        self._show = not quiet and sys.stderr.isatty()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._show:
            print(f"riskscreen: {name} …", end="", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.timings[name] = self.timings.get(name, 0.0) + elapsed
            if self._show:
                print(f" {elapsed:.1f}s", file=sys.stderr, flush=True)


@dataclass
class ScreenRun:
    """A screening's result frame plus what an auditor needs to reproduce it."""

    frame: pl.DataFrame
    table: SupplierTable
    roles: ColumnRoles
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def original_columns(self) -> list[str]:
        return [c for c in self.table.frame.columns if c != "row_id"]


def screen_frame(
    frame: pl.DataFrame,
    roles: ColumnRoles,
    *,
    reference: Any,
    model: Any,
    watchlists: Watchlists,
    thresholds: Thresholds | None = None,
    timer: StageTimer | None = None,
) -> pl.DataFrame:
    """Screen a frame that has `row_id` and text columns; return it with the added columns.

    Pure: no I/O; reference, model and watchlists are passed in (`model` may be a `Background`
    load of one, so that loading it overlaps the resolve stage).
    """
    timer = timer or StageTimer(quiet=True)
    th = thresholds or load_thresholds()
    with timer.stage("resolve countries"):
        countries = resolve_country_columns(frame, roles, reference, th["accept_confidence"])
    with timer.stage("resolve products"):
        products = resolve_product_columns(frame, roles, reference, th["accept_confidence"])
    with timer.stage("screen names"):
        names = screen_name_columns(frame, roles, countries["country_iso3"], watchlists)
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
        work = mark_review(work, roles, th["review_confidence"]).with_columns(
            pl.lit(f"ILAB goods {reference.newest_edition}").alias("reference_edition"),
            pl.lit(watchlist_editions(watchlists)).alias("watchlist_editions"),
        )
    original = [c for c in frame.columns if c != "row_id"]
    added = [c for c in ADDED_COLUMNS if c in work.columns]
    return work.select(col([*original, *added]))


def _load_defaults(reference: Any, model: Any, watchlists: Watchlists | None,
                   extra_watchlists: Sequence[str | Path]) -> tuple[Any, Any, Watchlists]:
    """Load what was not passed in. The model loads in a background thread while the file is read
    and resolved (scoring waits for it): a fraction of a second from its plain twin, seconds when
    only the skops file is usable (skops imports all of scikit-learn)."""
    from riskscreen.reference import load_reference

    if model is None:
        model = Background(warm_model)
    reference = reference if reference is not None else load_reference()
    if watchlists is None:
        watchlists = load_watchlists(extra=[Path(p) for p in extra_watchlists])
    return reference, model, watchlists


def run_screen(
    source: str | Path | pl.DataFrame,
    *,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
    reference: Any = None,
    model: Any = None,
    watchlists: Watchlists | None = None,
    extra_watchlists: Sequence[str | Path] = (),
    min_tier: str | None = None,
    thresholds: Mapping[str, float] | None = None,
    quiet: bool = True,
) -> ScreenRun:
    """Read, detect columns, screen; return the frame with the metadata an audit needs.

    `thresholds` overrides rows of `reference/thresholds.csv` (e.g. {"tier_high": 60}); the
    values used are recorded in the run's metadata and the workbook's Method sheet.
    """
    timer = StageTimer(quiet=quiet)
    with timer.stage("load reference and model"):
        reference, model, watchlists = _load_defaults(reference, model, watchlists,
                                                      extra_watchlists)
    with timer.stage("read"):
        table = read_frame(source) if isinstance(source, pl.DataFrame) else read_suppliers(
            source, sheet=sheet
        )
    with timer.stage("detect columns"):
        headers = [c for c in table.frame.columns if c != "row_id"]
        roles = detect_columns(headers, overrides=dict(columns or {}), frame=table.frame)
        require_roles(roles, source=Path(str(table.path)).name if table.path else None)
    th = load_thresholds(**{**dict(thresholds or {}), "min_tier": min_tier})
    # headers such as "*" or "^Product$" travel under internal names (polars would read them
    # as patterns) and come back unchanged in the result
    safe, back = protect(table.frame)
    inner = {v: k for k, v in back.items()}
    safe_roles = replace(roles, **{r: inner[c] for r, c in roles.found().items() if c in inner})
    frame = screen_frame(safe, safe_roles, reference=reference, model=model,
                         watchlists=watchlists, thresholds=th, timer=timer)
    frame = restore(frame, back)
    if isinstance(model, Background):
        model = model.result()
    meta = run_meta(table, roles, reference, model, watchlists, th, frame)
    meta["timings_s"] = {k: round(v, 3) for k, v in timer.timings.items()}
    return ScreenRun(frame=frame, table=table, roles=roles, meta=meta)


def screen(source: str | Path | pl.DataFrame, **options: Any) -> pl.DataFrame:
    """Screen a supplier file (xlsx/xls/csv/parquet path) or a polars frame.

    Options: `sheet`, `columns` (role → header, e.g. {"name": "Vendor"}), `min_tier`,
    `thresholds` (e.g. {"tier_high": 60}), `extra_watchlists`, and preloaded `reference`,
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
    """
    from riskscreen.io.output_check import check_outputs
    from riskscreen.io.report import write_report
    from riskscreen.io.tables_out import write_table

    input_path = Path(run.table.path) if getattr(run.table, "path", None) else None
    targets = check_outputs([output, *also], [input_path, *inputs])
    done: list[Path] = written if written is not None else []
    ordered = sorted(targets, key=lambda p: p.suffix.lower() == ".xlsx")  # tables first
    for path in ordered:
        if path.suffix.lower() == ".xlsx":
            done.append(write_report(
                run.frame, path, original_columns=run.original_columns, meta=run.meta,
                min_tier=run.meta["thresholds"]["min_tier"], all_sheet=all_sheet, stamp=stamp,
                spend_column=run.roles.spend, input_path=input_path,
                csv_escaped=not csv_raw,
            ))
        else:
            done.append(write_table(run.frame, path, input_path=input_path,
                                    escape_formulas=not csv_raw))
    return [p for p in targets if p in done]
