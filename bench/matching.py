"""All three matchers side by side with their peers, on the project's labelled evaluation sets.

    python bench/matching.py            # runs bench/match_countries.py, match_products.py,
                                        # match_names.py and prints their tables in one report

Countries vs country_converter and pycountry's fuzzy search; products and names vs a plain
`rapidfuzz.process.extractOne` over the raw strings. Each part also writes its own table to
bench/results/match_*.md.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("match_countries.py", "match_products.py", "match_names.py")


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    for part in PARTS:
        print(f"\n## {part}\n", flush=True)
        runpy.run_path(str(HERE / part), run_name="__main__")


if __name__ == "__main__":
    main()
