"""Input columns that carry an output column's name are kept under '<name> (input)'.

Screening adds columns with fixed names (the output contract: `risk_score`, `country_iso3`,
`good`, `reasons` …). An input that already has such a column — the tool's own report screened
again, or a list with a `good` column — keeps its values under a clear new name, so the result
columns always carry the contract names. A re-screened report screens its suppliers: its
earlier result columns are not used to find the name, country or product.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import polars as pl

from riskscreen.tables import read_table

__all__ = ["RenamedInputs", "INPUT_SUFFIX", "keep_input_columns", "output_column_names"]

INPUT_SUFFIX = " (input)"
#: Columns whose joint presence marks a file as a riskscreen output (report, CSV, Parquet).
_REPORT_MARKERS = frozenset({"risk_tier", "risk_score", "reasons"})
_SUFFIXED = re.compile(r"^(.*) \(input(?: \d+)?\)$")


def output_column_names(added: Iterable[str]) -> frozenset[str]:
    """Every name screening writes: `added` plus the report's own columns and headers."""
    table = read_table("report_columns")
    return frozenset(
        [*added, "row_id", *table["column"].drop_nulls(), *table["header"].drop_nulls()]
    )


@dataclass(frozen=True)
class RenamedInputs:
    """The frame with clashing columns renamed, what was renamed, whether it is a report, and
    every column that holds an earlier result ('<output name> (input)', old or new)."""

    frame: pl.DataFrame
    renamed: dict[str, str]
    is_report: bool
    earlier: tuple[str, ...] = ()

    @property
    def note(self) -> str | None:
        """One line for the run's notes, or None when nothing was renamed."""
        if not self.renamed:
            return None
        shown = ", ".join(f"'{new}'" for new in list(self.renamed.values())[:6])
        more = f" and {len(self.renamed) - 6} more" if len(self.renamed) > 6 else ""
        what = ("this is an earlier riskscreen output: its suppliers are screened again, and its "
                "earlier results are kept as") if self.is_report else (
                "input columns named like result columns are kept as")
        return f"{what} {shown}{more}"


def _free_name(base: str, taken: set[str]) -> str:
    name, k = f"{base}{INPUT_SUFFIX}", 2
    while name in taken:
        name, k = f"{base} (input {k})", k + 1
    return name


def keep_input_columns(
    frame: pl.DataFrame, output_names: Iterable[str], keep: Sequence[str] = ("row_id",)
) -> RenamedInputs:
    """Rename columns of `frame` named like an output column to '<name> (input)'.

    `keep` names columns that are the frame's own bookkeeping (its `row_id`), never renamed.
    A report already re-screened once has 'risk_score (input)'; the next copy becomes
    'risk_score (input 2)'.
    """
    names = set(output_names)
    taken = set(frame.columns)
    renamed: dict[str, str] = {}
    for column in frame.columns:
        if column in names and column not in keep:
            new = _free_name(column, taken)
            taken.add(new)
            renamed[column] = new
    out = frame.rename(renamed) if renamed else frame
    earlier = tuple(
        c for c in out.columns
        if (m := _SUFFIXED.match(c)) is not None and m.group(1) in names
    )
    bases = {_SUFFIXED.match(c).group(1) for c in earlier}  # type: ignore[union-attr]
    return RenamedInputs(out, renamed, _REPORT_MARKERS <= bases, earlier)
