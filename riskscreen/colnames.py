"""Select columns by their exact names, never as patterns.

Polars reads a column name that starts with ``^`` and ends with ``$`` as a regular expression and
``*`` as "every column", so a supplier sheet headed ``^Product$`` or ``*`` would select the wrong
columns (or none). Every place that selects a column the user named goes through `col`.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import polars.selectors as cs

__all__ = ["col", "is_pattern_like", "protect", "restore"]


def is_pattern_like(name: str) -> bool:
    """True for names polars would not take literally in `pl.col`."""
    return name == "*" or (name.startswith("^") and name.endswith("$"))


def col(names: str | Iterable[str]) -> pl.Expr:
    """The column(s) called exactly `names`, in the given order (a literal `pl.col`)."""
    wanted = [names] if isinstance(names, str) else list(names)
    if not any(is_pattern_like(n) for n in wanted):
        return pl.col(wanted[0]) if len(wanted) == 1 else pl.col(wanted)
    return cs.by_name(wanted).as_expr()


def protect(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """Rename pattern-like columns to internal names (`__column_N`); return the frame and
    internal -> original. Polars' own Series methods select by name, so such a column must not
    travel through the pipeline under its own name."""
    renames = {n: f"__column_{i}" for i, n in enumerate(frame.columns) if is_pattern_like(n)}
    return frame.rename(renames), {v: k for k, v in renames.items()}


def restore(frame: pl.DataFrame, back: dict[str, str]) -> pl.DataFrame:
    """Undo `protect`: internal names back to the original headers."""
    return frame.rename({k: v for k, v in back.items() if k in frame.columns}) if back else frame
