"""Start slow loads early, in a daemon thread, and wait for them only when they are needed.

Loading the model and building its explanation cache takes a few tenths of a second (two seconds
more when it must come from the skops file, which imports all of scikit-learn): the CLI starts it
before anything else so it overlaps importing, reading and resolving.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Background", "warm_model"]


class Background:
    """Run a loader in a daemon thread (an error exit need not wait for it); `result()` joins."""

    def __init__(self, func: Callable[[], Any]) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(func,), daemon=True)
        self._thread.start()

    def _run(self, func: Callable[[], Any]) -> None:
        try:
            self._value = func()
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller's thread
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def warm_model() -> Any:
    """Load the default model and score one pair, so its first real call is warm too."""
    import polars as pl

    from riskscreen.model import load_model  # lazy: imported in this background thread

    model = load_model()
    probe = pl.DataFrame(
        {"country_iso3": ["BGD"], "good_id": ["garments"], "sector": [None]},
        schema={"country_iso3": pl.String, "good_id": pl.String, "sector": pl.String})
    model.explain(model.predict_pairs(probe))
    return model
