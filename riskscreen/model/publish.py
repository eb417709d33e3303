"""Write the model's artefacts together: skops model (+ plain twin), metrics.json, MODEL_CARD.md.

`riskscreen model train` and `riskscreen model evaluate` are thin wrappers over
`write_model_artifacts` and `evaluate_model`.
"""

from __future__ import annotations

import json
from pathlib import Path

from riskscreen.model.card import model_card
from riskscreen.model.plain import plain_path
from riskscreen.model.store import MODEL_FILE, load_model, save_model
from riskscreen.model.training import train
from riskscreen.model.validation import evaluate, evaluation_report, held_out_summary
from riskscreen.paths import models_dir
from riskscreen.reference import Reference, load_reference

__all__ = ["evaluate_model", "write_model_artifacts"]


def _reference(reference: Reference | str | Path | None) -> Reference:
    """A loaded reference as given, or the one in a folder (default: the embedded tables)."""
    return reference if isinstance(reference, Reference) else load_reference(reference)


def _write_metrics(metrics: dict, out: Path) -> Path:
    path = out / "metrics.json"
    path.write_text(json.dumps(metrics, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def write_model_artifacts(edition: str | None = None, out_dir: str | Path | None = None,
                          reference: Reference | str | Path | None = None,
                          random_state: int = 0) -> list[Path]:
    """Train on `edition` (default: newest), validate, and write model, metrics and card.

    Deterministic: the same reference tables give byte-identical artefacts. Returns the paths.
    """
    reference = _reference(reference)
    out = Path(out_dir) if out_dir else models_dir()
    out.mkdir(parents=True, exist_ok=True)
    model = train(edition, reference, random_state=random_state)
    metrics = evaluate(reference, random_state=random_state)
    model.meta["validation"] = held_out_summary(metrics)  # travels with the model file
    model_path = save_model(model, out / MODEL_FILE)
    metrics_path = _write_metrics(metrics, out)
    card_path = out / "MODEL_CARD.md"
    card_path.write_text(model_card(metrics, model.meta, reference), encoding="utf-8")
    twin = plain_path(model_path)
    return [model_path, *([twin] if twin.is_file() else []), metrics_path, card_path]


def evaluate_model(out_dir: str | Path | None = None,
                   reference: Reference | str | Path | None = None,
                   random_state: int = 0) -> tuple[str, list[Path]]:
    """Validate (temporal, grouped CV, calibration, baselines) and return the printed report.

    With `out_dir`, also write metrics.json there, and MODEL_CARD.md when the folder holds a
    trained model to describe. Returns the report and the paths written.
    """
    reference = _reference(reference)
    metrics = evaluate(reference, random_state=random_state)
    written: list[Path] = []
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written.append(_write_metrics(metrics, out))
        if (out / MODEL_FILE).is_file():
            card = out / "MODEL_CARD.md"
            card.write_text(model_card(metrics, load_model(out / MODEL_FILE).meta, reference),
                            encoding="utf-8")
            written.append(card)
    return evaluation_report(metrics), written
