"""The risk tiers, from `reference/tiers.csv`: one table for their names, order and colours.

Read with the standard library (no polars), so the command line can offer them in `--help`
without slowing start-up. `rank` orders them: higher is more severe; `unknown` (rank 0) is the
tier of rows that cannot be scored and is never a flag threshold.
"""

from __future__ import annotations

import csv
from functools import lru_cache

from riskscreen.paths import reference_dir

__all__ = ["FLAG_TIERS", "TIERS", "tier_rank"]


@lru_cache(maxsize=1)
def _ranks() -> dict[str, int]:
    path = reference_dir() / "tiers.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        ranks = {row["tier"].strip(): int(row["rank"]) for row in rows}
    return dict(sorted(ranks.items(), key=lambda item: -item[1]))


def tier_rank(tier: str) -> int:
    """The tier's rank from the table: higher is more severe (critical 4 … unknown 0)."""
    return _ranks()[tier]


#: Every tier, most severe first.
TIERS: tuple[str, ...] = tuple(_ranks())
#: The tiers a flag threshold (`--min-tier`) may name: all that are scored.
FLAG_TIERS: tuple[str, ...] = tuple(t for t, rank in _ranks().items() if rank > 0)
