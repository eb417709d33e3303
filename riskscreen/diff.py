"""What changed between two screening outputs: rows paired by supplier, causes named.

Rows are paired by supplier, not by position, so a re-sorted list is not a list of changes:

1. `key` when given (a column in both outputs);
2. else a vendor-number column (found from its header, as the reader finds roles) when its
   values are present and unique in both runs;
3. else the normalised (name, country, product) — case, accents' forms, spaces and punctuation
   folded — with duplicates paired in the order they appear;
4. else `row_id`.

Causes come from the rows (reference and list editions, watchlist hits, listings, matches) and
from the options each output records (`read_options`: the workbook's Method sheet, Parquet
metadata, a CSV's `<name>.csv.json` sidecar): a changed threshold or --min-tier is named.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from riskscreen.colnames import is_pattern_like, protect
from riskscreen.contracts import compared_columns
from riskscreen.errors import InputError
from riskscreen.io.columns import detect_columns
from riskscreen.io.output_check import check_outputs
from riskscreen.io.read import parquet_guard
from riskscreen.io.read_guard import check_zip
from riskscreen.io.read_limits import int_limit
from riskscreen.io.report import write_sheet_workbook
from riskscreen.io.tables_out import sidecar_path, write_table
from riskscreen.run_meta import OPTIONS_KEY
from riskscreen.tiers import TIER_CUTS

__all__ = ["Diff", "compare_outputs", "diff_outputs", "format_changes", "read_options",
           "read_output", "write_changes"]

#: Below this share of suppliers in common the two files are probably different lists.
_RELATED_SHARE = 0.5


def _guard(path: Path) -> None:
    """The reader's own limits, before anything is loaded: file size, zip bombs and far cells
    (xlsx), rows x columns and expanded text (Parquet)."""
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
    try:
        _guard(path)
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
    return int_limit("max_rows")


def _method_sheet_thresholds(path: Path) -> dict[str, str] | None:
    """The 'thresholds' section of a workbook's Method & sources sheet."""
    try:
        sheet = pl.read_excel(path, sheet_name="Method & sources", has_header=False,
                              infer_schema_length=0, engine="calamine")
    except Exception:  # noqa: BLE001 — an old or foreign workbook simply records nothing
        return None
    out: dict[str, str] = {}
    inside = False
    for label, value in sheet.select(sheet.columns[:2]).iter_rows():
        label = label or ""
        if label == "thresholds":
            inside = True
        elif inside and label.startswith("    ") and not label.startswith("        "):
            out[label.strip()] = "" if value is None else str(value)
        elif inside:
            break
    return out or None


def read_options(path: str | Path) -> dict[str, str] | None:
    """The thresholds (and `min_tier`) an output was made with, as text; None if unrecorded."""
    path = Path(path)
    suffix = path.suffix.lower()
    raw: str | None = None
    if suffix in (".xlsx", ".xlsm"):
        return _method_sheet_thresholds(path)
    if suffix == ".parquet":
        try:
            raw = pl.read_parquet_metadata(path).get(OPTIONS_KEY)
        except Exception:  # noqa: BLE001
            raw = None
    elif suffix == ".csv" and sidecar_path(path).is_file():
        raw = sidecar_path(path).read_text(encoding="utf-8")
    if not raw:
        return None
    try:
        thresholds = json.loads(raw).get("thresholds") or {}
    except (ValueError, AttributeError):
        return None
    return {str(k): str(v) for k, v in thresholds.items()} or None


@dataclass
class Diff:
    """The changes, how rows were paired, and warnings about the comparison itself."""

    changes: pl.DataFrame
    paired_by: str
    in_common: int
    rows_old: int
    rows_new: int
    option_changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _original_headers(frame: pl.DataFrame) -> list[str]:
    """The input's own columns: outputs put them first, before `row_id`."""
    cols = frame.columns
    return cols[: cols.index("row_id")] if "row_id" in cols else cols


def _unique_present(frame: pl.DataFrame, column: str) -> bool:
    values = frame[column]
    return values.null_count() == 0 and values.str.strip_chars().n_unique() == frame.height


def _norm(column: str) -> pl.Expr:
    return (pl.col(column).fill_null("").str.normalize("NFKC").str.to_lowercase()
            .str.replace_all(r"[\s\p{P}]+", " ").str.strip_chars())


def _pairing(old: pl.DataFrame, new: pl.DataFrame,
             key: str | None) -> tuple[list[str], str, list[str]]:
    """Columns (present in both) whose values pair the rows, a sentence saying which, and the
    columns that name a supplier in the changes (the key, plus its name when known)."""
    by, how, roles = _pairing_roles(old, new, key)
    name = getattr(roles, "name", None)
    show = by + ([name] if name and name not in by and name in old.columns
                 and name in new.columns else [])
    return by, how, show


def _pairing_roles(old: pl.DataFrame, new: pl.DataFrame,
                   key: str | None) -> tuple[list[str], str, object]:
    try:
        roles = detect_columns(_original_headers(old))
    except Exception:  # noqa: BLE001 — no recognisable headers: fall back to row_id
        roles = None
    if key is not None:
        for label, frame in (("old", old), ("new", new)):
            if key not in frame.columns:
                raise InputError(f"{label} output has no column '{key}'; choose --key from: "
                                 + ", ".join(frame.columns[:30]))
        return [key], f"'{key}' (--key)", roles
    vendor = getattr(roles, "vendor_id", None)
    if (vendor and vendor in new.columns and _unique_present(old, vendor)
            and _unique_present(new, vendor)):
        return [vendor], f"vendor number '{vendor}' (unique in both runs)", roles
    cols = [c for c in (getattr(roles, r, None) for r in ("name", "country", "product"))
            if c and c in new.columns]
    if roles is not None and roles.name in cols:
        how = "normalised " + ", ".join(f"'{c}'" for c in cols) + " (duplicates paired in order)"
        return cols, how, roles
    return ["row_id"], "row_id (no vendor number or supplier name column found)", roles


def _number(value: str | None) -> float | str | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return value


def _option_changes(old: Mapping[str, str] | None,
                    new: Mapping[str, str] | None) -> dict[str, tuple[str, str]]:
    if not old or not new:
        return {}
    def text(value: str | None) -> str:
        number = _number(value)
        return "—" if value is None else f"{number:g}" if isinstance(number, float) else value

    return {k: (text(old.get(k)), text(new.get(k))) for k in sorted(set(old) | set(new))
            if _number(old.get(k)) != _number(new.get(k))}


def _fmt(changes: Mapping[str, tuple[str, str]], keys: Sequence[str]) -> str:
    return ", ".join(f"{k} {changes[k][0]} → {changes[k][1]}" for k in keys)


def _prepare(frame: pl.DataFrame, label: str, by: list[str], show_cols: list[str],
             normalise: bool) -> pl.DataFrame:
    """Key columns (normalised), the occurrence number within a key, and the compared fields."""
    compared = compared_columns()
    missing = [c for c in compared if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in missing)
    keys = [(_norm(c) if normalise else pl.col(c).str.strip_chars()).alias(f"_k{i}")
            for i, c in enumerate(by)]
    show = pl.concat_str([pl.col(c).fill_null("") for c in show_cols], separator=" / ")
    bools = ("flagged", "listed_child_labour", "listed_forced_labour")
    out = frame.select(
        *keys, show.alias(f"supplier_{label}"), pl.col("row_id").alias(f"row_id_{label}")
        if "row_id" in frame.columns else pl.lit(None, pl.String).alias(f"row_id_{label}"),
        *(pl.col(c).str.to_lowercase().is_in(["true", "1", "yes"]).alias(f"{c}_{label}")
          if c in bools else pl.col(c).alias(f"{c}_{label}") for c in compared),
    )
    kcols = [f"_k{i}" for i in range(len(by))]
    return out.with_columns(pl.int_range(pl.len()).over(kcols).alias("_occ"))


def compare_outputs(old: str | Path | pl.DataFrame, new: str | Path | pl.DataFrame, *,
                    key: str | None = None) -> Diff:
    """Pair the rows of two screening outputs by supplier and list what changed, and why.

    Change kinds: new_flag, cleared_flag, tier_change, new_watchlist_hit, gone_watchlist_hit,
    row_added, row_removed. A row that only moved is not a change.
    """
    frames, options = [], []
    for src in (old, new):
        frame = src if isinstance(src, pl.DataFrame) else read_output(src)
        frames.append(frame.with_columns(pl.all().cast(pl.String)))
        options.append(None if isinstance(src, pl.DataFrame) else read_options(src))
    # headers such as "*" or "^Product$" are compared under internal names (polars would read
    # them as patterns) and shown under their own names in the changes
    odd = sorted({c for f in frames for c in f.columns if is_pattern_like(c)})
    inner = {name: f"__column_{i}" for i, name in enumerate(odd)}
    frames = [f.rename({k: v for k, v in inner.items() if k in f.columns}) for f in frames]
    key = inner.get(key, key) if key is not None else None
    by, paired_by, show = _pairing(frames[0], frames[1], key)
    normalise = paired_by.startswith("normalised")
    a = _prepare(frames[0], "old", by, show, normalise)
    b = _prepare(frames[1], "new", by, show, normalise)
    kcols = [f"_k{i}" for i in range(len(by))] + ["_occ"]
    joined = a.join(b, on=kcols, how="full", coalesce=True, nulls_equal=True)

    opt = _option_changes(*options)
    cut_keys = [k for k in TIER_CUTS if k in opt]
    band_keys = [k for k in opt if k not in TIER_CUTS and k != "min_tier"]

    def changed(col: str) -> pl.Expr:
        return pl.col(f"{col}_old").ne_missing(pl.col(f"{col}_new"))

    present_old = pl.col("risk_tier_old").is_not_null()
    present_new = pl.col("risk_tier_new").is_not_null()
    both = present_old & present_new
    flag_changed = both & changed("flagged")
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
    option_causes = []
    if "min_tier" in opt:
        option_causes.append(pl.when(flag_changed).then(
            pl.lit(f"--min-tier {opt['min_tier'][0]} → {opt['min_tier'][1]}")))
    if cut_keys:
        option_causes.append(pl.when(both & changed("risk_tier")).then(
            pl.lit(f"tier cut-offs changed ({_fmt(opt, cut_keys)})")))
    if band_keys:
        option_causes.append(pl.when(
            both & (changed("risk_score") | changed("country_iso3") | changed("good"))
        ).then(pl.lit(f"thresholds changed ({_fmt(opt, band_keys)})")))
    causes = pl.concat_list(
        pl.when(both & changed("reference_edition")).then(
            pl.concat_str([pl.lit("ILAB reference edition "), pl.col("reference_edition_old"),
                           pl.lit(" → "), pl.col("reference_edition_new")], ignore_nulls=True)),
        pl.when(both & changed("watchlist_editions")).then(
            pl.concat_str([pl.lit("watchlists "), pl.col("watchlist_editions_old"),
                           pl.lit(" → "), pl.col("watchlist_editions_new")], ignore_nulls=True)),
        *option_causes,
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
    changes = out.sort(
        pl.col("row_id_new").cast(pl.Int64, strict=False),
        pl.col("row_id_old").cast(pl.Int64, strict=False), nulls_last=True,
    ).select(
        pl.coalesce("supplier_new", "supplier_old").alias("supplier"),
        pl.col("row_id_old"),
        pl.col("row_id_new"),
        pl.col("_kinds").list.join(", ").alias("change"),
        pl.col("risk_tier_old").alias("tier_old"),
        pl.col("risk_tier_new").alias("tier_new"),
        pl.col("risk_score_old").alias("score_old"),
        pl.col("risk_score_new").alias("score_new"),
        pl.col("watchlist_name_old"),
        pl.col("watchlist_name_new"),
        pl.col("_causes").list.join("; ").replace("", None).alias("cause"),
        pl.col("reasons_new").alias("reasons_now"),
    )
    in_common = joined.filter(both).height
    changes = changes.rename({v: k for k, v in inner.items() if v in changes.columns})
    for name, internal in inner.items():
        paired_by = paired_by.replace(internal, name)
    diff = Diff(changes=changes, paired_by=paired_by, in_common=in_common,
                rows_old=frames[0].height, rows_new=frames[1].height, option_changes=opt)
    larger = max(diff.rows_old, diff.rows_new)
    if larger and in_common / larger < _RELATED_SHARE:
        share = 100 * in_common / larger
        diff.warnings.append(
            f"only {share:.0f} % of suppliers in common — are these runs of the same list? "
            f"(paired by {paired_by})")
    for label, recorded in (("old", options[0]), ("new", options[1])):
        src = old if label == "old" else new
        if recorded is None and not isinstance(src, pl.DataFrame):
            diff.warnings.append(
                f"the {label} output records no options (an older file, or a CSV without its "
                ".csv.json sidecar): a changed threshold or --min-tier cannot be named")
    return diff


def diff_outputs(old: str | Path | pl.DataFrame, new: str | Path | pl.DataFrame, *,
                 key: str | None = None) -> pl.DataFrame:
    """One row per changed supplier: change kind, old and new values and the likely cause
    (`compare_outputs(...).changes`)."""
    return compare_outputs(old, new, key=key).changes


def format_changes(changes: pl.DataFrame | Diff, *, limit: int = 50) -> str:
    """A short text summary: pairing, warnings, counts by kind, then the first `limit` changes."""
    lines: list[str] = []
    if isinstance(changes, Diff):
        diff, changes = changes, changes.changes
        lines.append(f"Paired {diff.in_common:,} of {diff.rows_old:,} old and "
                     f"{diff.rows_new:,} new rows by {diff.paired_by}.")
        if diff.option_changes:
            lines.append("Options changed: " + _fmt(diff.option_changes,
                                                     list(diff.option_changes)))
        lines += [f"warning: {w}" for w in diff.warnings]
    if changes.is_empty():
        lines.append("No changes: every supplier has the same flag, tier and watchlist hits.")
        return "\n".join(lines)
    counts = (changes.select(pl.col("change").str.split(", ")).explode("change")
              ["change"].value_counts().sort("change"))
    lines.append("Changes: " + ", ".join(f"{k} {v}" for k, v in counts.iter_rows()))
    for row in changes.head(limit).iter_rows(named=True):
        where = f"row {row['row_id_new'] or row['row_id_old']}"
        lines.append(f"  {row['supplier']} ({where}): {row['change']} "
                     f"({row['tier_old']} → {row['tier_new']})"
                     + (f" — {row['cause']}" if row["cause"] else ""))
    if changes.height > limit:
        lines.append(f"  … and {changes.height - limit} more")
    return "\n".join(lines)


def write_changes(changes: pl.DataFrame | Diff, path: str | Path,
                  inputs: Sequence[str | Path] = (), *, escape_formulas: bool = True) -> Path:
    """Write the changes as a 'Changes' sheet (.xlsx), or as .csv / .parquet; atomically.

    `inputs` (the two compared runs) are refused as `path`; CSV text that Excel would run as a
    formula is apostrophe-prefixed unless `escape_formulas` is False.
    """
    if isinstance(changes, Diff):
        changes = changes.changes
    path = check_outputs([path], list(inputs))[0]
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        return write_table(changes, path, escape_formulas=escape_formulas)
    if suffix != ".xlsx":
        raise InputError(f"{path}: unknown extension; write the diff to .xlsx, .csv or .parquet")
    return write_sheet_workbook({"Changes": changes}, path)
