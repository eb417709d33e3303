"""Turn a finished screening (`ScreenRun`) into what the pages show. Display only: every number
and reason comes from the library's output frame; nothing is re-scored here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from riskscreen.io.report_summary import tier_counts
from riskscreen.tiers import Tier, tier_table

__all__ = ["Bar", "explain_blocks", "flagged_rows", "review_rows", "row_detail", "summary",
           "tier_css"]

#: Stage names `run_screen` reports, in order, with what the progress page says.
STAGES: tuple[tuple[str, str], ...] = (
    ("queued", "Waiting for a free worker"),
    ("load reference and model", "Loading reference data and model"),
    ("read", "Reading the file"),
    ("detect columns", "Checking the columns"),
    ("resolve countries", "Matching countries"),
    ("resolve products", "Matching products"),
    ("screen names", "Checking names against the watchlists"),
    ("score", "Scoring and writing reasons"),
    ("follow-up", "Preparing follow-up questions"),
)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: label, count, CSS class and width in per cent of the longest bar."""

    label: str
    count: int
    css: str
    width: float


def tier_css() -> str:
    """CSS classes for the tiers, coloured from `reference/tiers.csv` (served as /tiers.css)."""
    rules = []
    for t in tier_table():
        rules.append(f".tier-{t.tier}{{background:#{t.fill};color:#{t.font}}}")
        rules.append(f".bar-{t.tier}{{fill:#{t.fill}}}")
    return "\n".join(rules) + "\n"


def _bars(items: list[tuple[str, int, str]]) -> list[Bar]:
    top = max((n for _, n, _ in items), default=0) or 1
    return [Bar(label, n, css, round(100 * n / top, 1)) for label, n, css in items]


def _top(frame: pl.DataFrame, column: str, n: int = 10) -> list[Bar]:
    """The `n` most frequent values of `column` among flagged rows."""
    counts = (frame.filter(pl.col("flagged").fill_null(False) & pl.col(column).is_not_null())
              .group_by(column).len().sort(["len", column], descending=[True, False]).head(n))
    return _bars([(str(k), int(v), "bar-flagged") for k, v in counts.iter_rows()])


def summary(run: Any) -> dict[str, Any]:
    """Tier counts and the top flagged countries and goods (the workbook's Summary sheet)."""
    tiers: list[Tier] = list(tier_table())
    counts = tier_counts(run.frame, tiers)
    meta = run.meta
    return {
        "tiers": [{"tier": t.tier, "label": t.label, "count": counts[t.tier]} for t in tiers],
        "tier_bars": _bars([(t.label, counts[t.tier], f"bar-{t.tier}") for t in tiers]),
        "countries": _top(run.frame, "country_name"),
        "goods": _top(run.frame, "good"),
        "rows": meta["rows_in"],
        "flagged": meta["rows_flagged"],
        "review": meta["rows_to_review"],
        "min_tier": meta["thresholds"]["min_tier"],
        "columns": meta["columns_used"],
    }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _cell(frame: pl.DataFrame, column: str | None) -> pl.Expr:
    if column and column in frame.columns:
        return pl.col(column).cast(pl.String)
    return pl.lit(None, pl.String)


def flagged_rows(run: Any) -> list[dict[str, Any]]:
    """Flagged rows, worst first: what the Flagged table shows."""
    frame, roles = run.frame, run.roles
    rank = {t.tier: t.rank for t in tier_table()}
    rows = frame.filter(pl.col("flagged").fill_null(False)).select(
        pl.col("row_id"),
        _cell(frame, roles.name).alias("name"),
        pl.coalesce(pl.col("country_name"), _cell(frame, roles.country)).alias("country"),
        pl.coalesce(pl.col("good"), _cell(frame, roles.product), pl.col("sector"))
        .alias("product"),
        pl.col("risk_tier"), pl.col("risk_score"), pl.col("reasons"),
        pl.col("watchlist_name"), pl.col("needs_review"),
    ).sort(["risk_score", "row_id"], descending=[True, False], nulls_last=True)
    out = []
    for r in rows.iter_rows(named=True):
        r["tier_rank"] = rank.get(r["risk_tier"], 0)
        r["reasons"] = [x for x in _text(r["reasons"]).split("; ") if x]
        r["score"] = "" if r["risk_score"] is None else f"{r['risk_score']:.0f}"
        out.append(r)
    return out


def actions_for(review_reason: str | None) -> list[tuple[str, str]]:
    """(reason, what to do) for each part of a `review_reason`: the library writes each part as
    "reason — action" (reference/phrases.csv)."""
    out = []
    for part in (p.strip() for p in _text(review_reason).split("; ")):
        if part:
            why, _, todo = part.partition(" — ")
            out.append((why, todo))
    return out


def review_rows(run: Any) -> list[dict[str, Any]]:
    """Rows to review with the reason and what to do, in sheet order."""
    frame, roles = run.frame, run.roles
    rows = frame.filter(pl.col("needs_review").fill_null(False)).select(
        pl.col("row_id"),
        _cell(frame, roles.name).alias("name"),
        _cell(frame, roles.country).alias("country_in"),
        _cell(frame, roles.product).alias("product_in"),
        pl.col("country_candidates"), pl.col("good_candidates"), pl.col("watchlist_candidates"),
        pl.col("risk_tier"), pl.col("review_reason"),
    ).sort("row_id")
    out = []
    for r in rows.iter_rows(named=True):
        r["actions"] = actions_for(r["review_reason"])
        r["candidates"] = "; ".join(_text(r[c]) for c in ("country_candidates", "good_candidates",
                                                        "watchlist_candidates") if r[c])
        out.append(r)
    return out


def row_detail(run: Any, row_id: int, watchlists: Any) -> dict[str, Any] | None:
    """One row: its cells as uploaded, how each was matched, score and reasons, and the
    watchlist entries behind any hit or country-wide order."""
    hit = run.frame.filter(pl.col("row_id") == row_id)
    if hit.height == 0:
        return None
    row = hit.row(0, named=True)
    cells = [(c, _text(row.get(c))) for c in run.original_columns]
    entries = []
    entry_frame = getattr(watchlists, "entries", None)
    for key in ("watchlist_entry_id", "scope_entry_id"):
        ids = [i for i in _text(row.get(key)).split("; ") if i]
        if ids and entry_frame is not None and "entry_id" in entry_frame.columns:
            for e in entry_frame.filter(pl.col("entry_id").is_in(ids)).iter_rows(named=True):
                entries.append([(k, _text(v)) for k, v in e.items() if _text(v)])
    return {
        "row": row,
        "followup": _followup(run, row_id),
        "cells": cells,
        "reasons": [x for x in _text(row.get("reasons")).split("; ") if x],
        "factors": [x for x in _text(row.get("model_factors")).split("; ") if x],
        "actions": actions_for(row.get("review_reason")),
        "entries": entries,
    }


def _followup(run: Any, row_id: int) -> dict[str, Any] | None:
    """The library's follow-up for a flagged row (what to ask, request and accept; the
    workbook's Follow-up sheet), split into lines; sources as (label, address)."""
    frame = getattr(run, "followup", None)
    if frame is None or "row_id" not in frame.columns:
        return None
    hit = frame.filter(pl.col("row_id") == row_id)
    if hit.height == 0:
        return None
    row = hit.row(0, named=True)
    lines = {k: [x.strip() for x in _text(row.get(k)).split("\n") if x.strip()]
             for k in ("questions", "evidence", "close_when", "sources")}
    sources = []
    for line in lines.pop("sources"):
        label, sep, url = line.rpartition(": ")
        ok = sep and url.startswith(("https://", "http://"))
        sources.append((label if ok else line, url if ok else ""))
    return {"finding": [x for x in _text(row.get("finding")).split("; ") if x],
            "sources": sources, **lines}


def explain_blocks(text: str) -> list[dict[str, Any]]:
    """`riskscreen explain` text as blocks: an unindented line heads a block, indented lines
    are its items (so the page shows exactly what the command prints)."""
    blocks: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith((" ", "\t")) and blocks:
            blocks[-1]["items"].append(line.strip().removeprefix("- "))
        else:
            blocks.append({"head": line.strip(), "items": []})
    return blocks
