"""What changed between two screening outputs of the same supplier file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from riskscreen.colnames import protect
from riskscreen.errors import InputError

__all__ = ["diff_outputs", "format_changes", "read_output", "write_changes"]

_COMPARED = ("flagged", "risk_tier", "risk_score", "watchlist_name", "watchlist_source",
             "listed_child_labour", "listed_forced_labour", "country_iso3", "good",
             "reference_edition", "watchlist_editions", "reasons")


def _guard(path: Path) -> None:
    """The reader's own limits, before anything is loaded: file size, zip bombs and far cells
    (xlsx), rows x columns and expanded text (Parquet)."""
    from riskscreen.io.read import parquet_guard
    from riskscreen.io.read_guard import check_zip
    from riskscreen.io.read_limits import int_limit

    label = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{label}: cannot be opened ({exc.strerror or exc})") from None
    if size > int_limit("max_file_bytes") or (
        path.suffix.lower() == ".csv" and size > int_limit("max_text_bytes")
    ):
        raise InputError(f"{label}: {size / 2**20:,.0f} MiB is over the size limit; compare "
                         "the Parquet outputs of the two runs instead")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        check_zip(path, label)
    elif path.suffix.lower() == ".parquet":
        parquet_guard(path, label)


def _all_sheets(path: Path) -> pl.DataFrame:
    """The 'All suppliers' sheet, or its parts 'All suppliers 1', 'All suppliers 2' … of a
    workbook too long for one sheet."""
    import fastexcel

    sheets = fastexcel.read_excel(str(path)).sheet_names
    parts = [s for s in sheets if s == "All suppliers" or re.fullmatch(r"All suppliers \d+", s)]
    if not parts:
        raise InputError(
            f"{path}: has no 'All suppliers' sheet (written with --no-all-sheet?); "
            "compare the CSV or Parquet outputs instead"
        )
    return pl.concat([pl.read_excel(path, sheet_name=s, infer_schema_length=0,
                                    engine="calamine") for s in parts])


def _unescape(frame: pl.DataFrame) -> pl.DataFrame:
    """Undo the apostrophe a CSV output puts before formula-like text (see io.tables_out)."""
    escaped = pl.col(pl.String).str.contains(r"^'[=+\-@\t\r]")
    return frame.with_columns(
        pl.when(escaped).then(pl.col(pl.String).str.slice(1)).otherwise(pl.col(pl.String))
        .name.keep()
    ).rename(lambda c: c[1:] if re.match(r"^'[=+\-@\t\r]", c) else c)


def read_output(path: str | Path) -> pl.DataFrame:
    """Read a riskscreen output (.xlsx 'All suppliers' sheet, .csv or .parquet) as text columns.

    The reader's guards apply first (no file is expanded past the limits); an escaped CSV
    (formula-like text with a leading apostrophe) reads back as the raw values.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx", ".xlsm"):
        raise InputError(f"{path}: unknown extension; diff reads .xlsx, .csv or .parquet")
    if not path.is_file():
        raise InputError(f"{path}: file not found; check the path and name")
    _guard(path)
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
        elif suffix == ".csv":
            frame = _unescape(pl.read_csv(path, infer_schema=False, encoding="utf8-lossy"))
        else:
            frame = _all_sheets(path)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure is a message, not a traceback
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{path}: cannot read this screening output ({first}); is it a "
                         "riskscreen output?") from None
    safe, _ = protect(frame)
    try:
        safe = safe.with_columns(pl.all().cast(pl.String))
    except pl.exceptions.PolarsError:
        safe = safe.with_columns(pl.all().cast(pl.String, strict=False))
    frame = safe.rename(dict(zip(safe.columns, frame.columns, strict=True)))
    if "risk_tier" not in frame.columns:
        raise InputError(f"{path}: not a riskscreen output (no risk_tier column)")
    if frame.height > int_limit_rows():
        raise InputError(f"{path}: {frame.height:,} rows is over the row limit; split the runs")
    return frame


def int_limit_rows() -> int:
    """The reader's `max_rows`: a diff compares what one run can screen."""
    from riskscreen.io.read_limits import int_limit

    return int_limit("max_rows")


def _norm_bool(col: str) -> pl.Expr:
    return pl.col(col).str.to_lowercase().is_in(["true", "1", "yes"]).alias(col)


def diff_outputs(old: str | Path | pl.DataFrame, new: str | Path | pl.DataFrame, *,
                 key: str = "row_id") -> pl.DataFrame:
    """One row per changed supplier row: change kind, old and new values and the likely cause.

    Kinds: new_flag, cleared_flag, tier_change, new_watchlist_hit, gone_watchlist_hit,
    row_added, row_removed. Rows are joined on `key` (`row_id`, or e.g. a vendor number).
    """
    frames = []
    for label, src in (("old", old), ("new", new)):
        frame = src if isinstance(src, pl.DataFrame) else read_output(src)
        frame = frame.with_columns(pl.all().cast(pl.String))
        if key not in frame.columns:
            raise InputError(f"{label} output has no column '{key}'; choose --key from: "
                             + ", ".join(frame.columns[:30]))
        if frame.get_column(key).is_duplicated().any():
            raise InputError(f"{label} output: key column '{key}' is not unique; "
                             "use --key with a column that identifies each row")
        keep = [key] + [c for c in _COMPARED if c in frame.columns and c != key]
        extra = [c for c in _COMPARED if c not in frame.columns]
        frame = frame.select(keep).with_columns(pl.lit(None, pl.String).alias(c) for c in extra)
        frame = frame.with_columns(_norm_bool(c) for c in
                                   ("flagged", "listed_child_labour", "listed_forced_labour"))
        frames.append(frame.rename({c: f"{c}_{label}" for c in frame.columns if c != key}))
    joined = frames[0].join(frames[1], on=key, how="full", coalesce=True)

    def changed(col: str) -> pl.Expr:
        return pl.col(f"{col}_old").ne_missing(pl.col(f"{col}_new"))

    present_old = pl.col("risk_tier_old").is_not_null()
    present_new = pl.col("risk_tier_new").is_not_null()
    both = present_old & present_new
    kinds = pl.concat_list(
        pl.when(~present_old).then(pl.lit("row_added")),
        pl.when(~present_new).then(pl.lit("row_removed")),
        pl.when(both & ~pl.col("flagged_old") & pl.col("flagged_new")).then(pl.lit("new_flag")),
        pl.when(both & pl.col("flagged_old") & ~pl.col("flagged_new"))
        .then(pl.lit("cleared_flag")),
        pl.when(both & changed("risk_tier")).then(pl.lit("tier_change")),
        pl.when(both & pl.col("watchlist_name_old").is_null()
                & pl.col("watchlist_name_new").is_not_null()).then(pl.lit("new_watchlist_hit")),
        pl.when(both & pl.col("watchlist_name_old").is_not_null()
                & pl.col("watchlist_name_new").is_null()).then(pl.lit("gone_watchlist_hit")),
    ).list.drop_nulls()
    causes = pl.concat_list(
        pl.when(both & changed("reference_edition")).then(
            pl.concat_str([pl.lit("ILAB reference edition "), pl.col("reference_edition_old"),
                           pl.lit(" → "), pl.col("reference_edition_new")], ignore_nulls=True)),
        pl.when(both & changed("watchlist_editions")).then(
            pl.concat_str([pl.lit("watchlists "), pl.col("watchlist_editions_old"),
                           pl.lit(" → "), pl.col("watchlist_editions_new")], ignore_nulls=True)),
        pl.when(both & (changed("watchlist_name") | changed("watchlist_source"))).then(
            pl.concat_str([pl.lit("watchlist hit: "),
                           pl.coalesce("watchlist_source_new", "watchlist_source_old")],
                          ignore_nulls=True)),
        pl.when(both & (changed("listed_child_labour") | changed("listed_forced_labour")))
        .then(pl.lit("ILAB listing of the country–good pair changed")),
        pl.when(both & (changed("country_iso3") | changed("good")))
        .then(pl.lit("matched country or good changed (input edited or matcher updated)")),
    ).list.drop_nulls()
    out = joined.with_columns(kinds.alias("_kinds"), causes.alias("_causes")).filter(
        pl.col("_kinds").list.len() > 0
    )
    return out.select(
        pl.col(key),
        pl.col("_kinds").list.join(", ").alias("change"),
        pl.col("risk_tier_old").alias("tier_old"),
        pl.col("risk_tier_new").alias("tier_new"),
        pl.col("risk_score_old").alias("score_old"),
        pl.col("risk_score_new").alias("score_new"),
        pl.col("watchlist_name_old"),
        pl.col("watchlist_name_new"),
        pl.col("_causes").list.join("; ").replace("", None).alias("cause"),
        pl.col("reasons_new").alias("reasons_now"),
    ).sort(pl.col(key).cast(pl.Int64, strict=False), pl.col(key), nulls_last=True)


def format_changes(changes: pl.DataFrame, *, limit: int = 50) -> str:
    """A short text summary: counts by kind, then the first `limit` changes."""
    if changes.is_empty():
        return "No changes: every row has the same flag, tier and watchlist hits."
    counts = (changes.select(pl.col("change").str.split(", ")).explode("change")
              ["change"].value_counts().sort("change"))
    lines = ["Changes: " + ", ".join(f"{k} {v}" for k, v in counts.iter_rows())]
    key = changes.columns[0]
    for row in changes.head(limit).iter_rows(named=True):
        lines.append(f"  {key} {row[key]}: {row['change']} "
                     f"({row['tier_old']} → {row['tier_new']})"
                     + (f" — {row['cause']}" if row["cause"] else ""))
    if changes.height > limit:
        lines.append(f"  … and {changes.height - limit} more")
    return "\n".join(lines)


def write_changes(changes: pl.DataFrame, path: str | Path,
                  inputs: Sequence[str | Path] = (), *, escape_formulas: bool = True) -> Path:
    """Write the changes as a 'Changes' sheet (.xlsx), or as .csv / .parquet; atomically.

    `inputs` (the two compared runs) are refused as `path`; CSV text that Excel would run as a
    formula is apostrophe-prefixed unless `escape_formulas` is False.
    """
    from riskscreen.io.output_check import check_outputs

    path = check_outputs([path], list(inputs))[0]
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        from riskscreen.io.tables_out import write_table

        return write_table(changes, path, escape_formulas=escape_formulas)
    if suffix != ".xlsx":
        raise InputError(f"{path}: unknown extension; write the diff to .xlsx, .csv or .parquet")
    from riskscreen.io.report import write_sheet_workbook

    return write_sheet_workbook({"Changes": changes}, path)
