"""Where the embedded reference tables and model live: a source checkout or an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _embedded(name: str) -> Path:
    """The wheel maps top-level `reference/` and `models/` into `riskscreen/_embedded/`."""
    installed = _PKG / "_embedded" / name
    if installed.is_dir():
        return installed
    return _PKG.parent / name


def reference_dir() -> Path:
    """Folder holding the committed reference tables (`reference/` in the repo)."""
    return _embedded("reference")


def models_dir() -> Path:
    """Folder holding the committed trained model (`models/` in the repo)."""
    return _embedded("models")
