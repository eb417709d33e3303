"""The one loader for the small tables that drive behaviour: aliases, synonyms, maps, thresholds."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from riskscreen.errors import ReferenceError_
from riskscreen.paths import reference_dir


@lru_cache(maxsize=64)
def read_table(name: str, folder: str | None = None) -> pl.DataFrame:
    """Read `reference/<name>.csv` with every column as text; '#' lines are comments.

    Tables are hand-curated or built by `riskscreen reference build`; code never embeds them.
    """
    base = Path(folder) if folder else reference_dir()
    path = base / f"{name}.csv"
    if not path.is_file():
        raise ReferenceError_(f"reference table {path} is missing; reinstall riskscreen")
    return pl.read_csv(path, infer_schema=False, comment_prefix="#", encoding="utf8")


@lru_cache(maxsize=16)
def read_table_family(name: str, folder: str | None = None) -> pl.DataFrame:
    """`<name>.csv` then every `<name>_<part>.csv` (one file per language, say), stacked.

    Parts may leave out columns of the main table (they come back empty) and may not add new
    ones; the main table's rows come first, so they win where a caller keeps the first row.
    """
    main = read_table(name, folder)
    base = Path(folder) if folder else reference_dir()
    parts = []
    for path in sorted(base.glob(f"{name}_*.csv")):
        part = read_table(path.stem, folder)
        extra = set(part.columns) - set(main.columns)
        if extra:
            raise ReferenceError_(f"reference table {path} has columns {sorted(extra)} that "
                                  f"{name}.csv does not have; reinstall riskscreen")
        parts.append(part)
    return pl.concat([main, *parts], how="diagonal") if parts else main


def numbers(name: str) -> dict[str, float]:
    """A `key,value[,note]` table of numbers (`reference/<name>.csv`) as key → value."""
    table = read_table(name)
    return {
        str(k).strip(): float(v)
        for k, v in zip(table["key"].to_list(), table["value"].to_list(), strict=True)
        if k is not None and v is not None
    }
