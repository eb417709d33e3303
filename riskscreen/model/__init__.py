"""Risk model: probability of child- and forced-labour findings per (country, good) pair.

`train()` fits on one ILAB edition, `evaluate()` validates against later editions,
`load_model()` reads the committed model with trusted types only. See models/MODEL_CARD.md.
"""

from __future__ import annotations

from riskscreen.lazy import lazy_getattr

__all__ = ["RiskModel", "evaluate", "evaluation_report", "load_model", "train"]

_LAZY = {
    "RiskModel": ("riskscreen.model.predict", "RiskModel"),
    "train": ("riskscreen.model.training", "train"),
    "evaluate": ("riskscreen.model.validation", "evaluate"),
    "evaluation_report": ("riskscreen.model.validation", "evaluation_report"),
    "load_model": ("riskscreen.model.store", "load_model"),
}


__getattr__ = lazy_getattr(__name__, _LAZY)
