"""`screen()`: the one place that orders the stages read → resolve → score (→ write).

The core, `screen_frame`, is a pure function from a frame to a frame with the reference, model and
watchlists passed in, so it can run unchanged as a map over partitions of a larger input.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from riskscreen import __version__
from riskscreen.errors import InputError
from riskscreen.io.columns import ColumnRoles, detect_columns, require_roles
from riskscreen.io.read import SupplierTable, read_frame, read_suppliers
from riskscreen.match.countries import resolve_countries
from riskscreen.match.entities import screen_names
from riskscreen.match.products import resolve_products
from riskscreen.scoring import Thresholds, load_thresholds, score_rows
from riskscreen.watchlists import Watchlists, load_watchlists, match_scopes

__all__ = [
    "ScreenRun", "StageTimer", "run_screen", "screen", "screen_frame", "watchlist_editions",
    "write_outputs",
]

#: Columns the pipeline adds, in output order (the output contract comes first).
ADDED_COLUMNS: tuple[str, ...] = (
    "row_id", "country_iso3", "country_name", "country_confidence", "country_method",
    "country_candidates", "region", "good", "good_id", "good_confidence", "good_method",
    "good_candidates", "sector", "listed_child_labour", "listed_forced_labour", "listing_edition",
    "p_child_labour", "p_forced_labour", "country_assessed", "model_factors",
    "watchlist_name", "watchlist_source", "watchlist_list", "watchlist_entry_id",
    "watchlist_section", "watchlist_date", "watchlist_status", "watchlist_alias",
    "watchlist_score", "watchlist_method", "watchlist_features", "watchlist_candidates",
    "scope_list", "scope_entry_id", "scope_name", "scope_action", "scope_date", "scope_status",
    "risk_score", "risk_tier", "flagged", "reasons", "needs_review", "review_reason", "ilab_url",
    "reference_edition", "watchlist_editions",
)


def watchlist_editions(watchlists: Watchlists) -> str:
    """'uflpa 2025-01-15 #ca46d668; …': which list editions a run used (content hash included)."""
    return "; ".join(
        f"{d['list_id']} {d.get('as_of') or 'undated'} #{str(d.get('sha256') or '')[:8]}"
        for d in watchlists.describe()
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


def _text(frame: pl.DataFrame, col: str | None) -> pl.Series:
    if col is None:
        return pl.Series(values=[None] * frame.height, dtype=pl.String)
    return frame[col].cast(pl.String).str.strip_chars().replace("", None)


def _hold_back(frame: pl.DataFrame, prefix: str, accept: float,
               extra: Sequence[str] = ()) -> pl.DataFrame:
    """A match below `accept` is not forced: it is kept only as a candidate for review."""
    doubtful = pl.col(f"{prefix}_confidence") < accept
    label = "country_iso3" if prefix == "country" else "good"
    key = "country_iso3" if prefix == "country" else "good_id"
    as_candidate = pl.concat_str([pl.col(label), pl.lit(" ("),
                                  pl.col(f"{prefix}_confidence").round(2).cast(pl.String),
                                  pl.lit(")")])
    return frame.with_columns(
        pl.when(doubtful & pl.col(key).is_not_null())
        .then(pl.coalesce(pl.col(f"{prefix}_candidates"), as_candidate))
        .otherwise(pl.col(f"{prefix}_candidates")).alias(f"{prefix}_candidates"),
        *(pl.when(doubtful).then(None).otherwise(pl.col(c)).alias(c)
          for c in dict.fromkeys((key, label, *extra)) if c in frame.columns),
    )


def _resolve_country(frame: pl.DataFrame, roles: ColumnRoles, reference: Any,
                     accept: float) -> pl.DataFrame:
    """Country and region from the country column, falling back to (and adding region from) the
    address column."""
    country_in = _text(frame, roles.country)
    address_in = _text(frame, roles.address)
    keys = pl.DataFrame({"_country_in": country_in, "_address_in": address_in})
    distinct = pl.concat([country_in, address_in]).drop_nulls().unique()
    resolved = resolve_countries(distinct, reference)
    by_country = resolved.rename(lambda c: c if c == "input" else f"{c}__c")
    by_address = resolved.rename(lambda c: c if c == "input" else f"{c}__a")
    joined = keys.join(
        by_country, left_on="_country_in", right_on="input", how="left", maintain_order="left"
    ).join(by_address, left_on="_address_in", right_on="input", how="left", maintain_order="left")
    use_address = pl.col("country_iso3__c").is_null() & pl.col("country_iso3__a").is_not_null()
    pick = {
        name: pl.when(use_address).then(pl.col(f"{name}__a")).otherwise(pl.col(f"{name}__c"))
        for name in ("country_iso3", "country_confidence", "country_method", "country_candidates")
    }
    same_country = pl.col("country_iso3__a") == pl.coalesce("country_iso3__c", "country_iso3__a")
    region = pl.coalesce(
        pl.col("region__c"), pl.when(same_country).then(pl.col("region__a"))
    )
    out = joined.select(
        *(expr.alias(name) for name, expr in pick.items()), region.alias("region")
    ).with_columns(
        pl.col("country_confidence").fill_null(0.0),
        pl.when(country_in.is_null() & address_in.is_null()).then(pl.lit("missing"))
        .otherwise(pl.col("country_method").fill_null("none")).alias("country_method"),
    )
    out = _hold_back(out, "country", accept, extra=("region",))
    names = reference.countries.select(
        pl.col("iso3").alias("country_iso3"),
        pl.coalesce("ilab_name", "name").alias("country_name"),
        pl.col("ilab_url"),
    )
    return out.join(names, on="country_iso3", how="left", maintain_order="left")


def _resolve_product(frame: pl.DataFrame, roles: ColumnRoles, reference: Any,
                     accept: float) -> pl.DataFrame:
    """Good and sector from the product text and HS code, each distinct pair resolved once."""
    keys = pl.DataFrame(
        {"product_input": _text(frame, roles.product), "hs_input": _text(frame, roles.hs_code)}
    )
    distinct = keys.unique().filter(
        pl.col("product_input").is_not_null() | pl.col("hs_input").is_not_null()
    )
    resolved = resolve_products(distinct["product_input"], distinct["hs_input"], reference)
    joined = keys.join(
        resolved, on=["product_input", "hs_input"], how="left", nulls_equal=True,
        maintain_order="left",
    )
    out = joined.select(
        "good", "good_id",
        pl.col("good_confidence").fill_null(0.0), pl.col("good_method").fill_null("none"),
        "good_candidates", "sector",
    )
    return _hold_back(out, "good", accept)


_WATCH_COLS = ("watchlist_name", "watchlist_source", "watchlist_list", "watchlist_entry_id",
               "watchlist_section", "watchlist_date", "watchlist_status", "watchlist_alias",
               "watchlist_score", "watchlist_method", "watchlist_features", "watchlist_candidates")


def _screen_names(
    frame: pl.DataFrame, roles: ColumnRoles, iso3: pl.Series, watchlists: Watchlists
) -> pl.DataFrame:
    """Watchlist hits for each distinct (name, resolved country)."""
    keys = pl.DataFrame({"name_input": _text(frame, roles.name), "country_input": iso3})
    distinct = keys.unique().filter(pl.col("name_input").is_not_null())
    hits = screen_names(distinct["name_input"], distinct["country_input"], watchlists)
    joined = keys.join(
        hits, on=["name_input", "country_input"], how="left", nulls_equal=True,
        maintain_order="left",
    )
    return joined.select(
        *(pl.col(c) if c in joined.columns else pl.lit(None, pl.String).alias(c)
          for c in _WATCH_COLS)
    )


def _review(frame: pl.DataFrame, roles: ColumnRoles, threshold: float) -> pl.DataFrame:
    """Mark rows a person should look at, and say why."""
    country_in = _text(frame, roles.country) if roles.country else None
    product_given = pl.lit(False)
    if roles.product or roles.hs_code:
        product_given = pl.any_horizontal(
            *(_text(frame, c).is_not_null() for c in (roles.product, roles.hs_code) if c)
        )
    country_given = (
        country_in.is_not_null() if country_in is not None else pl.lit(False)
    ) | (_text(frame, roles.address).is_not_null() if roles.address else pl.lit(False))
    reasons = [
        pl.when(~country_given).then(pl.lit("no country given")),
        pl.when(country_given & pl.col("country_iso3").is_null()).then(
            pl.when(pl.col("country_method") == "non_answer")
            .then(pl.lit("country is not a single country (e.g. 'various', 'EU')"))
            .when(pl.col("country_candidates").is_not_null())
            .then(pl.lit("country uncertain: check the candidates"))
            .otherwise(pl.lit("country not recognised"))
        ),
        pl.when(pl.col("country_iso3").is_not_null()
                & (pl.col("country_confidence") < threshold))
        .then(pl.lit("country matched with low confidence")),
        pl.when(product_given & pl.col("good_id").is_null() & pl.col("sector").is_null()
                & ~pl.col("good_method").is_in(["service"]))
        .then(pl.when(pl.col("good_candidates").is_not_null())
              .then(pl.lit("product uncertain: check the candidates"))
              .otherwise(pl.lit("product not recognised"))),
        pl.when(pl.col("good_id").is_not_null() & (pl.col("good_confidence") < threshold))
        .then(pl.lit("product matched with low confidence")),
        pl.when(pl.col("watchlist_candidates").is_not_null() & pl.col("watchlist_name").is_null())
        .then(pl.lit("name resembles a watchlist entry")),
    ]
    return frame.with_columns(
        pl.concat_list(reasons).list.drop_nulls().list.join("; ").replace("", None)
        .alias("review_reason")
    ).with_columns(pl.col("review_reason").is_not_null().alias("needs_review"))


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

    Pure: no I/O; reference, model and watchlists are passed in.
    """
    timer = timer or StageTimer(quiet=True)
    th = thresholds or load_thresholds()
    with timer.stage("resolve countries"):
        countries = _resolve_country(frame, roles, reference, th["accept_confidence"])
    with timer.stage("resolve products"):
        products = _resolve_product(frame, roles, reference, th["accept_confidence"])
    with timer.stage("screen names"):
        names = _screen_names(frame, roles, countries["country_iso3"], watchlists)
    work = pl.concat([frame, countries, products, names], how="horizontal")
    with timer.stage("score"):
        scopes = match_scopes(work.select("country_iso3", "region", "good_id"), watchlists)
        work = pl.concat(
            [work, scopes.select(c for c in scopes.columns if c.startswith("scope_"))],
            how="horizontal",
        )
        work = score_rows(work, reference=reference, model=model, thresholds=th)
        work = _review(work, roles, th["review_confidence"]).with_columns(
            pl.lit(f"ILAB goods {reference.newest_edition}").alias("reference_edition"),
            pl.lit(watchlist_editions(watchlists)).alias("watchlist_editions"),
        )
    original = [c for c in frame.columns if c != "row_id"]
    added = [c for c in ADDED_COLUMNS if c in work.columns]
    return work.select(*original, *added)


def _load_defaults(reference: Any, model: Any, watchlists: Watchlists | None,
                   extra_watchlists: Sequence[str | Path]) -> tuple[Any, Any, Watchlists]:
    from riskscreen.model import load_model
    from riskscreen.reference import load_reference

    reference = reference if reference is not None else load_reference()
    model = model if model is not None else load_model()
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
    quiet: bool = True,
) -> ScreenRun:
    """Read, detect columns, screen; return the frame with the metadata an audit needs."""
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
    th = load_thresholds(min_tier=min_tier) if min_tier else load_thresholds()
    frame = screen_frame(table.frame, roles, reference=reference, model=model,
                         watchlists=watchlists, thresholds=th, timer=timer)
    meta = _meta(table, roles, reference, model, watchlists, th, frame)
    meta["timings_s"] = {k: round(v, 3) for k, v in timer.timings.items()}
    return ScreenRun(frame=frame, table=table, roles=roles, meta=meta)


def screen(source: str | Path | pl.DataFrame, **options: Any) -> pl.DataFrame:
    """Screen a supplier file (xlsx/xls/csv/parquet path) or a polars frame.

    Options: `sheet`, `columns` (role → header, e.g. {"name": "Vendor"}), `min_tier`,
    `extra_watchlists`, and preloaded `reference`, `model`, `watchlists`. Returns every input row
    with the added columns (see the README's output contract).
    """
    return run_screen(source, **options).frame


def _meta(table: SupplierTable, roles: ColumnRoles, reference: Any, model: Any,
          watchlists: Watchlists, th: Thresholds, frame: pl.DataFrame) -> dict[str, Any]:
    """What the Method & sources sheet and the CSV sidecar record about this run."""
    manifest = getattr(reference, "manifest", {}) or {}
    return {
        "tool": f"riskscreen {__version__}",
        "input_file": str(getattr(table, "path", "") or "(frame)"),
        "input_sha256": getattr(table, "sha256", None),
        "sheet": getattr(table, "sheet", None),
        "header_row": getattr(table, "header_row", None),
        "columns_used": {k: v for k, v in roles.as_dict().items() if v},
        "reference_edition": reference.newest_edition,
        "reference_built": manifest.get("built"),
        "reference_sources": manifest.get("sources"),
        "model": getattr(model, "describe", lambda: {})(),
        "watchlists": watchlists.describe() if hasattr(watchlists, "describe") else None,
        "thresholds": th.as_dict(),
        "rows_in": frame.height,
        "rows_flagged": int(frame["flagged"].sum()),
        "rows_to_review": int(frame["needs_review"].sum()),
        "rows_by_tier": dict(frame["risk_tier"].value_counts().sort("risk_tier").iter_rows()),
    }


def write_outputs(run: ScreenRun, output: str | Path, *, all_sheet: bool = True,
                  stamp: bool = False, also: Sequence[str | Path] = ()) -> list[Path]:
    """Write the run to `output` (.xlsx workbook, .csv or .parquet) and any `also` paths."""
    from riskscreen.io.report import write_report
    from riskscreen.io.tables_out import write_table

    written = []
    input_path = Path(run.table.path) if getattr(run.table, "path", None) else None
    for target in (output, *also):
        path = Path(target)
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            written.append(write_report(
                run.frame, path, original_columns=run.original_columns, meta=run.meta,
                min_tier=run.meta["thresholds"]["min_tier"], all_sheet=all_sheet, stamp=stamp,
                spend_column=run.roles.spend, input_path=input_path,
            ))
        elif suffix in (".csv", ".parquet"):
            written.append(write_table(run.frame, path, input_path=input_path))
        else:
            raise InputError(
                f"output {path}: unknown extension '{suffix or '(none)'}'; "
                "use .xlsx (workbook), .csv or .parquet"
            )
    return written
