"""Shared fixtures: repository paths, and skipping tests that need ../shared when it is absent.

The source data (`shared/data`: ILAB XML, watchlists, real supplier lists) sits beside the
checkout, never inside it. It is found relative to the repository: `../shared/data`, or the
same folder beside any enclosing folder (a git worktree nested one level deeper still finds it);
`RISKSCREEN_SHARED_DATA` names it explicitly. Tests that need it are marked `shared` and take
the `shared_data` fixture; they are skipped, with the reason, where it is absent.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

import riskscreen  # noqa: F401,E402 - first, so openpyxl's XML writer is pinned (riskscreen/__init__.py)

REPO = Path(__file__).resolve().parents[1]


def find_shared_data() -> Path | None:
    """The `shared/data` folder beside the repository (or an enclosing folder), or None."""
    named = os.environ.get("RISKSCREEN_SHARED_DATA")
    if named:
        return Path(named) if Path(named).is_dir() else None
    for folder in REPO.parents:
        candidate = folder / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


SHARED_DATA = find_shared_data()
ABSENT = (
    "source data folder ../shared/data is absent"
    " (set RISKSCREEN_SHARED_DATA to use one elsewhere)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SHARED_DATA is not None:
        return
    skip = pytest.mark.skip(reason=ABSENT)
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """One line per skip reason with its count, so CI logs say what did not run and why."""
    skipped = terminalreporter.stats.get("skipped", [])
    reasons: Counter[str] = Counter()
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    terminalreporter.write_line(f"skipped tests: {len(skipped)}")
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"  {count:>3} × {reason}")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The source data folder; skips the test where it is absent."""
    if SHARED_DATA is None:
        pytest.skip(ABSENT)
    return SHARED_DATA


@pytest.fixture(scope="session")
def example_workbook() -> Path:
    return REPO / "examples" / "suppliers.xlsx"
