"""The Summary sheet: counts by tier, top countries and goods, spend at risk, native charts.

Charts are openpyxl chart objects that reference the summary cells (so they stay true if a
person edits a number) and render in Excel and LibreOffice alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from openpyxl.chart import BarChart, PieChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from riskscreen.io.report_safe import clean_text, is_formula_like
from riskscreen.io.report_styles import Palette
from riskscreen.tiers import Tier

__all__ = ["write_summary", "tier_counts"]

TOP_N = 25
NOT_RESOLVED = "(not resolved)"


def text_cell(palette: Palette, value: str, **look: Any):
    """A string cell that can never be a formula (quote-prefixed when it looks like one)."""
    value = clean_text(value)
    cell = palette.cell(quote=is_formula_like(value), **look)
    cell.value = value
    cell.data_type = "s"
    return cell


def _styled(palette: Palette, value: Any, **look: Any):
    if isinstance(value, str):
        return text_cell(palette, value, **look)
    cell = palette.cell(**look)
    cell.value = value
    return cell


def _tier_key(frame: pl.DataFrame, tiers: Sequence[Tier]) -> pl.Expr:
    known = [t.tier for t in tiers]
    norm = pl.col("risk_tier").cast(pl.String).str.strip_chars().str.to_lowercase()
    return pl.when(norm.is_in(known)).then(norm).otherwise(pl.lit("unknown")).alias("_tier")


def tier_counts(frame: pl.DataFrame, tiers: Sequence[Tier]) -> dict[str, int]:
    """Suppliers per tier (unexpected tier values count as unknown)."""
    counts = frame.select(_tier_key(frame, tiers)).group_by("_tier").len()
    got = dict(zip(counts["_tier"].to_list(), counts["len"].to_list(), strict=True))
    return {t.tier: int(got.get(t.tier, 0)) for t in tiers}


def _top(frame: pl.DataFrame, key: pl.Expr) -> list[tuple[str, int, int]]:
    grouped = (
        frame.select(key.alias("_k"), pl.col("flagged").fill_null(False).alias("_f"))
        .group_by("_k")
        .agg(pl.len().alias("n"), pl.col("_f").sum().alias("f"))
        .sort(["n", "_k"], descending=[True, False])
        .head(TOP_N)
    )
    return [(k, int(n), int(f)) for k, n, f in grouped.iter_rows()]


def _label(frame: pl.DataFrame, *names: str) -> pl.Expr:
    present = [pl.col(n).cast(pl.String) for n in names if n in frame.columns]
    return pl.coalesce([*present, pl.lit(NOT_RESOLVED)]) if present else pl.lit(NOT_RESOLVED)


def write_summary(
    ws: WriteOnlyWorksheet,
    frame: pl.DataFrame,
    palette: Palette,
    *,
    spend: pl.Series | None,
    spend_failed: int,
    min_tier: str,
    note: str | None = None,
) -> None:
    """Append the summary tables to `ws` and anchor the charts next to them. `note` (e.g. that
    the input has no product column and what to do) follows the opening sentence."""
    tiers = palette.tiers
    total = frame.height
    head = {"header": True}
    ws.column_dimensions["A"].width = 36
    for letter in "BCDEF":
        ws.column_dimensions[letter].width = 14
    ws.append([text_cell(palette, "Summary", bold=True)])
    ws.append(
        [
            text_cell(
                palette,
                f"{total} suppliers screened; tiers at or above '{min_tier}' are flagged. "
                "A low score is not a clearance." + (f" {note}" if note else ""),
            )
        ]
    )
    ws.append([])
    has_spend = spend is not None
    header = ["Risk tier", "Suppliers", "Share", "Flagged"]
    if has_spend:
        header += ["Spend", "Share of spend"]
    ws.append([text_cell(palette, h, **head) for h in header])
    counts = tier_counts(frame, tiers)
    tier_col = frame.select(_tier_key(frame, tiers))["_tier"]
    flagged = frame["flagged"].fill_null(False)
    spend_by: dict[str, float] = {}
    if has_spend:
        assert spend is not None
        sums = pl.DataFrame({"t": tier_col, "s": spend}).group_by("t").agg(pl.col("s").sum())
        # rounded to cents, summed in a fixed order: parallel float sums must not change bytes
        spend_by = {t: round(float(s or 0.0), 2) for t, s in sums.iter_rows()}
    spend_total = round(sum(spend_by[t] for t in sorted(spend_by)), 2)
    first_tier_row = 5
    for tier in tiers:
        n = counts[tier.tier]
        row = [
            text_cell(palette, tier.label, **palette.tier_look(tier)),
            n,
            _styled(palette, n / total if total else 0.0, number_format="0%"),
            int((flagged & (tier_col == tier.tier)).sum()),
        ]
        if has_spend:
            s = spend_by.get(tier.tier, 0.0)
            row += [
                _styled(palette, s, number_format="#,##0.00"),
                _styled(palette, s / spend_total if spend_total else 0.0, number_format="0%"),
            ]
        ws.append(row)
    last_tier_row = first_tier_row + len(tiers) - 1
    totals = [
        text_cell(palette, "Total", bold=True),
        total,
        _styled(palette, 1.0 if total else 0.0, number_format="0%"),
        int(flagged.sum()),
    ]
    if has_spend:
        totals += [
            _styled(palette, spend_total, number_format="#,##0.00"),
            _styled(palette, 1.0 if spend_total else 0.0, number_format="0%"),
        ]
    ws.append(totals)
    row_no = last_tier_row + 1
    if has_spend:
        ws.append(
            [
                text_cell(
                    palette,
                    "Spend values that could not be read as numbers (ignored in the sums): "
                    f"{spend_failed}",
                )
            ]
        )
        row_no += 1
    blocks = []
    for title, key in (
        ("Top countries", _label(frame, "country_name", "country_iso3")),
        ("Top goods", _label(frame, "good", "good_id")),
    ):
        ws.append([])
        ws.append([text_cell(palette, h, **head) for h in (title, "Suppliers", "Share", "Flagged")])
        row_no += 2
        top = _top(frame, key)
        first = row_no + 1
        for name, n, f in top:
            ws.append(
                [
                    text_cell(palette, name),
                    n,
                    _styled(palette, n / total if total else 0.0, number_format="0%"),
                    f,
                ]
            )
        row_no += len(top)
        blocks.append((title, first, row_no))
    _charts(ws, tiers, first_tier_row, last_tier_row, blocks[0])


def _charts(ws, tiers, first: int, last: int, countries: tuple[str, int, int]) -> None:
    data = Reference(ws, min_col=2, min_row=first - 1, max_row=last)
    labels = Reference(ws, min_col=1, min_row=first, max_row=last)

    bar = BarChart()
    bar.type = "col"
    bar.title = "Suppliers by risk tier"
    bar.y_axis.title = "Suppliers"
    bar.add_data(data, titles_from_data=True)
    bar.set_categories(labels)
    bar.legend = None
    bar.varyColors = False
    for i, tier in enumerate(tiers):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = tier.fill
        bar.series[0].dPt.append(point)
    bar.width, bar.height = 16, 7.5
    ws.add_chart(bar, "H2")

    pie = PieChart()
    pie.title = "Share of suppliers by tier"
    pie.add_data(data, titles_from_data=True)
    pie.set_categories(labels)
    for i, tier in enumerate(tiers):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = tier.fill
        pie.series[0].dPt.append(point)
    pie.dataLabels = DataLabelList()
    pie.dataLabels.showPercent = True
    pie.dataLabels.showVal = False
    pie.dataLabels.showCatName = False
    pie.dataLabels.showSerName = False
    pie.dataLabels.showLegendKey = False
    pie.width, pie.height = 16, 7.5
    ws.add_chart(pie, "H18")

    title, c_first, c_last = countries
    if c_last >= c_first:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Top countries (suppliers)"
        chart.add_data(
            Reference(ws, min_col=2, min_row=c_first - 1, max_row=c_last), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=c_first, max_row=c_last))
        chart.legend = None
        chart.x_axis.scaling.orientation = "maxMin"  # biggest on top
        chart.width, chart.height = 16, max(7.5, 0.55 * (c_last - c_first + 1) + 2)
        ws.add_chart(chart, "H34")
