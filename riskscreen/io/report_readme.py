"""The "Read me" sheet: what the tiers mean and what to do, what each sheet and source is.

Its rows come from `reference/readme_sheet.csv`; the tier cut-offs, the List's year and the
likelihood bands are filled in from the run, so the sheet always matches the scores beside it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from riskscreen.io.report_styles import Palette
from riskscreen.io.report_summary import text_cell
from riskscreen.tables import read_table

__all__ = ["readme_rows", "write_readme"]

_TERM_WIDTH = 26
_TEXT_WIDTH = 110
_BLANK = re.compile(r"\{([a-z_]+)\}")


def _blanks(thresholds: Mapping[str, Any], list_label: str) -> dict[str, str]:
    """Values for the sheet's blanks from the thresholds a run used."""
    def num(key: str) -> float:
        return float(thresholds[key])

    return {
        "critical": f"{num('tier_critical'):g}",
        "high": f"{num('tier_high'):g}",
        "medium": f"{num('tier_medium'):g}",
        "high_top": f"{num('tier_critical') - 1:g}",
        "medium_top": f"{num('tier_high') - 1:g}",
        "low_top": f"{num('tier_medium') - 1:g}",
        "min_tier": str(thresholds.get("min_tier", "high")),
        "list": list_label,
        "elevated": f"{num('likelihood_elevated') * 100:g}%",
        "moderate": f"{num('likelihood_moderate') * 100:g}%",
    }


def readme_rows(thresholds: Mapping[str, Any], list_label: str,
                lang: str = "en") -> list[tuple[str, str, str]]:
    """(style, term, text) rows of the sheet, blanks filled in."""
    table = read_table("readme_sheet")
    values = _blanks(thresholds, list_label)
    texts = table[lang].to_list() if lang in table.columns else table["en"].to_list()
    out = []
    for style, term, text, fallback in zip(table["style"], table["term"], texts, table["en"],
                                           strict=True):
        def fill(s: str | None) -> str:
            return _BLANK.sub(lambda m: values.get(m[1], m[0]), s or "")

        out.append((style, fill(term), fill(text or fallback)))
    return out


def write_readme(ws: WriteOnlyWorksheet, palette: Palette, thresholds: Mapping[str, Any],
                 list_label: str) -> None:
    """Append the Read me rows: column A the term, column B the wrapped text."""
    ws.column_dimensions["A"].width = _TERM_WIDTH
    ws.column_dimensions["B"].width = _TEXT_WIDTH
    tiers = {t.tier: t for t in palette.tiers}
    for number, (style, term, text) in enumerate(readme_rows(thresholds, list_label), 1):
        lines = max(1, math.ceil(len(text) / (_TEXT_WIDTH * 1.1 - 2)))
        if style == "title":
            row = [text_cell(palette, text, bold=True)]
        elif style == "heading":
            row = [text_cell(palette, term, header=True), text_cell(palette, text, header=True)]
        elif style == "note":
            row = [text_cell(palette, "Read this first", bold=True, wrap=True),
                   text_cell(palette, text, wrap=True, bold=True)]
        elif style.startswith("tier:") and style[5:] in tiers:
            look = palette.tier_look(tiers[style[5:]])
            row = [text_cell(palette, term, wrap=True, **look),
                   text_cell(palette, text, wrap=True)]
        else:
            row = [text_cell(palette, term, bold=True, wrap=True),
                   text_cell(palette, text, wrap=True)]
        if lines > 1:
            ws.row_dimensions[number].height = 15 * lines + 2
        ws.append(row)
