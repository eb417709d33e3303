"""Write the model's artefacts together: skops model (+ plain twin), metrics.json, MODEL_CARD.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riskscreen.paths import models_dir

__all__ = ["write_model_artifacts"]


def write_model_artifacts(edition: str | None = None, out_dir: str | Path | None = None,
                          reference: Any = None, random_state: int = 0) -> list[Path]:
    """Train on `edition` (default: newest), validate, and write model, metrics and card.

    Deterministic: the same reference tables give byte-identical artefacts. Returns the paths.
    """
    from riskscreen.model.card import model_card
    from riskscreen.model.store import MODEL_FILE
    from riskscreen.model.training import train
    from riskscreen.model.validation import evaluate
    from riskscreen.reference import load_reference

    reference = reference if reference is not None else load_reference()
    out = Path(out_dir) if out_dir else models_dir()
    out.mkdir(parents=True, exist_ok=True)
    model = train(edition, reference, random_state=random_state)
    model_path = model.save(out / MODEL_FILE)
    metrics = evaluate(reference, random_state=random_state)
    metrics_path = out / "metrics.json"
    metrics_path.write_text(json.dumps(metrics, indent=1, sort_keys=True) + "\n",
                            encoding="utf-8")
    card_path = out / "MODEL_CARD.md"
    card_path.write_text(model_card(metrics, model.meta), encoding="utf-8")
    from riskscreen.model.plain import plain_path

    twin = plain_path(model_path)
    return [model_path, *([twin] if twin.is_file() else []), metrics_path, card_path]
