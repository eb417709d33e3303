"""The "Method & sources" sheet: what was run, on what, with which reference data and model.

Auditors file the workbook; this sheet is what lets them re-run and compare. `meta` is rendered
as key/value rows: nested mappings become indented sub-keys, lists of plain values one line
joined by "; " (or one row each when long), lists of mappings numbered items.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from riskscreen.io.report_styles import Palette
from riskscreen.io.report_summary import text_cell
from riskscreen.phrases import say
from riskscreen.scoring import load_thresholds
from riskscreen.tables import read_table

__all__ = ["NOTE", "flatten_meta", "write_method"]

NOTE = say("method_step_5")  # the note that a low score is not a clearance
_INLINE_ITEMS = 12
_NOTE_WIDTH = 70
_INDENT = "    "
_VALUE_WIDTH = 90


def _scalar(value: Any) -> Any:
    """A value openpyxl can store: numbers and booleans as such, everything else as text."""
    if value is None or isinstance(value, (bool, int, float)):
        if isinstance(value, float) and value != value:  # NaN
            return ""
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            return str(value)
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _is_plain(value: Any) -> bool:
    return not isinstance(value, (Mapping, list, tuple, set, frozenset))


def flatten_meta(meta: Mapping[str, Any], depth: int = 0) -> Iterator[tuple[int, str, Any]]:
    """(depth, key, value) rows; value is None for a section heading."""
    for key, value in meta.items():
        label = str(key).replace("_", " ") if depth == 0 else str(key)
        if isinstance(value, Mapping) and not value:
            yield depth, label, "(none)"
        elif isinstance(value, Mapping):
            yield depth, label, None
            yield from flatten_meta(value, depth + 1)
        elif isinstance(value, (list, tuple, set, frozenset)):
            items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
            if all(_is_plain(v) for v in items) and len(items) <= _INLINE_ITEMS:
                yield depth, label, "; ".join(str(_scalar(v)) for v in items)
            else:
                yield depth, label, None
                for i, item in enumerate(items, 1):
                    if isinstance(item, Mapping):
                        yield depth + 1, f"[{i}]", None
                        yield from flatten_meta(item, depth + 2)
                    else:
                        yield depth + 1, f"[{i}]", _scalar(item)
        else:
            yield depth, label, _scalar(value)


def write_method(
    ws: WriteOnlyWorksheet,
    palette: Palette,
    meta: Mapping[str, Any],
    report_facts: Sequence[tuple[str, Any]],
) -> None:
    """Append the note, this report's own facts, then `meta` as key/value rows."""
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = _VALUE_WIDTH
    ws.column_dimensions["C"].width = _NOTE_WIDTH
    rows: list[list[Any]] = [
        [text_cell(palette, "Method & sources", bold=True)],
        [text_cell(palette, say("method_title"), header=True),
         text_cell(palette, "", header=True)],
    ]
    rows += [[text_cell(palette, ""), text] for text in method_steps(meta)]
    rows += [
        [],
        [text_cell(palette, "This report", header=True), text_cell(palette, "", header=True)],
    ]
    rows += [[text_cell(palette, key), value] for key, value in report_facts]
    rows += [
        [],
        [text_cell(palette, "Run details", header=True), text_cell(palette, "", header=True)],
    ]
    notes = threshold_notes()
    section = None
    for depth, key, value in flatten_meta(meta):
        if depth == 0:
            section = key
        label = text_cell(palette, _INDENT * depth + key, bold=value is None)
        if value is None and section == "thresholds":
            rows.append([label, text_cell(palette, "value", bold=True),
                         text_cell(palette, "what it does", bold=True)])
            continue
        row = [label] if value is None else [label, value]
        if section == "thresholds" and depth == 1 and key in notes:
            row.append(text_cell(palette, notes[key], wrap=True))
        rows.append(row)
    for number, row in enumerate(rows, 1):
        lines = 1
        if len(row) >= 2 and not hasattr(row[1], "data_type"):
            row[1], lines = _value_cell(palette, row[1])
        if len(row) == 3:
            lines = max(lines, math.ceil(len(str(row[2].value)) / (_NOTE_WIDTH - 5)))
        if lines > 1:  # wrapped text: write-only rows need their height up front
            ws.row_dimensions[number].height = 15 * min(lines, 20)
        ws.append(row)


def threshold_notes() -> dict[str, str]:
    """What each threshold does, from the note column of `reference/thresholds.csv`."""
    table = read_table("thresholds")
    return {k: n for k, n in zip(table["key"], table["note"], strict=True) if n}


def method_steps(meta: Mapping[str, Any]) -> list[str]:
    """The method in words, with the run's own score bands filled in."""
    th = {**load_thresholds().as_dict(), **dict(meta.get("thresholds") or {})}

    def n(key: str, add: float = 0) -> str:
        return f"{float(th[key]) + add:g}"

    values = {
        "watchlist": n("watchlist_score"), "list": str(meta.get("list_of_goods") or "List"),
        "forced": n("listed_forced_base"),
        "forced_top": n("listed_forced_base", float(th["listed_forced_span"])),
        "child": n("listed_child_base"),
        "child_top": n("listed_child_base", float(th["listed_child_span"])),
        "pair_cap": n("model_pair_cap"), "sector_cap": n("model_sector_cap"),
        "country_cap": n("model_country_cap"),
    }
    return [say(f"method_step_{i}", **values) for i in range(1, 6)]


def _value_cell(palette: Palette, value: Any) -> tuple[Any, int]:
    """The cell for a value, and how many wrapped lines it needs."""
    value = _scalar(value)
    if isinstance(value, str):
        lines = min(
            20, sum(math.ceil(max(1, len(part)) / (_VALUE_WIDTH - 5)) for part in value.split("\n"))
        )
        return text_cell(palette, value, wrap=lines > 1), lines
    return value, 1
