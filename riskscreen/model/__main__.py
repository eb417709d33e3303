"""Command line: `python -m riskscreen.model train|evaluate` (until the main CLI wires them).

python -m riskscreen.model train [--edition 2021] [--out models/] [--reference DIR]
python -m riskscreen.model evaluate [--out models/] [--reference DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from riskscreen.errors import RiskscreenError
from riskscreen.paths import models_dir


def _reference(folder: str | None):
    from riskscreen.reference import load_reference

    return load_reference(folder)


def cmd_train(args: argparse.Namespace) -> int:
    from riskscreen.model.store import MODEL_FILE
    from riskscreen.model.training import train

    start = time.perf_counter()
    model = train(args.edition, _reference(args.reference), random_state=args.random_state)
    out = Path(args.out) if args.out else models_dir()
    path = model.save(out / MODEL_FILE)
    print(f"trained on edition {model.edition} in {time.perf_counter() - start:.1f}s -> {path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from riskscreen.model.card import model_card
    from riskscreen.model.store import MODEL_FILE, load_model
    from riskscreen.model.validation import evaluate, evaluation_report

    metrics = evaluate(_reference(args.reference), random_state=args.random_state)
    out = Path(args.out) if args.out else models_dir()
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(
        json.dumps(metrics, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(evaluation_report(metrics))
    print(f"metrics written to {out / 'metrics.json'}")
    card_model = out / MODEL_FILE
    if card_model.is_file():
        meta = load_model(card_model).meta
        (out / "MODEL_CARD.md").write_text(model_card(metrics, meta), encoding="utf-8")
        print(f"model card written to {out / 'MODEL_CARD.md'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m riskscreen.model",
        description="Train or validate the riskscreen risk model.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func in (("train", cmd_train), ("evaluate", cmd_evaluate)):
        p = sub.add_parser(name)
        p.add_argument("--out", help="output folder (default: the models/ folder)")
        p.add_argument("--reference", help="reference folder (default: the embedded reference/)")
        p.add_argument("--random-state", type=int, default=0)
        p.set_defaults(func=func)
        if name == "train":
            p.add_argument("--edition", help="ILAB List edition to train on (default: newest)")
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except RiskscreenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
