"""The risk tiers, from `reference/tiers.csv`: one table for their names, order and colours.

Read with the standard library (no polars), so the command line can offer them in `--help`
without slowing start-up. `rank` orders them: higher is more severe; `unknown` (rank 0) is the
tier of rows that cannot be scored and is never a flag threshold. Every scored tier but the
lowest has a cut-off, `tier_<name>` in `reference/thresholds.csv` (`TIER_CUTS`, most severe
first); a score below them all is the lowest scored tier.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from riskscreen.paths import reference_dir

__all__ = ["FLAG_TIERS", "TIERS", "TIER_CUTS", "UNSCORED", "Tier", "tier_rank", "tier_table"]


@dataclass(frozen=True)
class Tier:
    """One risk tier: name, rank (higher is worse), cell colours and plain-language label."""

    tier: str
    rank: int
    fill: str
    font: str
    label: str


@lru_cache(maxsize=1)
def tier_table() -> tuple[Tier, ...]:
    """Every row of `reference/tiers.csv`, most severe first."""
    path = reference_dir() / "tiers.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        tiers = [
            Tier(r["tier"].strip(), int(r["rank"]), r["fill"].strip(), r["font"].strip(),
                 r["label"])
            for r in rows
        ]
    return tuple(sorted(tiers, key=lambda t: -t.rank))


def tier_rank(tier: str) -> int:
    """The tier's rank from the table: higher is more severe (critical 4 … unknown 0)."""
    return {t.tier: t.rank for t in tier_table()}[tier]


#: Every tier, most severe first.
TIERS: tuple[str, ...] = tuple(t.tier for t in tier_table())
#: The tiers a flag threshold (`--min-tier`) may name: all that are scored.
FLAG_TIERS: tuple[str, ...] = tuple(t.tier for t in tier_table() if t.rank > 0)
#: The tier of a row that cannot be scored (rank 0).
UNSCORED: str = next(t.tier for t in tier_table() if t.rank == 0)
#: The threshold keys of the tier cut-offs, most severe tier first (`tier_critical`, …); the
#: lowest scored tier has none.
TIER_CUTS: tuple[str, ...] = tuple(f"tier_{t}" for t in FLAG_TIERS[:-1])
