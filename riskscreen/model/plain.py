"""The trained model as plain data: gzip'd JSON that loads without scikit-learn or skops.

The skops file is the model of record. Beside it, `save_model` writes the same state with each
logistic scorer reduced to its coefficients (`estimator.plain_scorer`), tagged with the SHA-256
of the skops file it came from. Scoring is a table look-up and explaining is coefficient x value,
so screening needs nothing else, and skipping the scikit-learn import (about two seconds, which
skops always pays) makes start-up fast. JSON holds no code: nothing here can run on load.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from riskscreen.checksum import file_sha256
from riskscreen.errors import ReferenceError_
from riskscreen.model.estimator import plain_scorer

__all__ = ["PLAIN_SUFFIX", "plain_path", "plain_state", "read_plain", "write_plain"]

PLAIN_SUFFIX = ".json.gz"
_ARRAY = "__ndarray__"


def plain_path(skops_path: Path) -> Path:
    """models/risk_model.skops -> models/risk_model.json.gz."""
    return skops_path.with_name(skops_path.stem + PLAIN_SUFFIX)


def plain_state(state: dict) -> dict | None:
    """`state` with every scorer as plain arrays, or None if a scorer is not linear."""
    scorers = {t: plain_scorer(s) for t, s in state["scorers"].items()}
    if any(s is None for s in scorers.values()):
        return None
    return {**state, "scorers": scorers}


def _encode(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return {_ARRAY: obj.dtype.str, "shape": list(obj.shape), "data": obj.ravel().tolist()}
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"cannot store {type(obj).__name__} in a plain model file")


def _decode(node: dict) -> Any:
    if _ARRAY in node:
        return np.asarray(node["data"], dtype=np.dtype(node[_ARRAY])).reshape(node["shape"])
    return node


def write_plain(state: dict, target: Path, skops_sha256: str) -> Path:
    """Write `state` (already plain) as gzip'd JSON atomically; byte-identical for equal input."""
    text = json.dumps({"skops_sha256": skops_sha256, "state": state}, default=_encode,
                      separators=(",", ":"))
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(buffer.getvalue())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def read_plain(path: Path, skops_path: Path | None = None) -> dict | None:
    """The state stored in `path`; None when `skops_path` is given and the file was not exported
    from it (stale after a retrain), so the caller falls back on the skops file."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            payload = json.load(fh, object_hook=_decode)
    except (OSError, ValueError, EOFError) as exc:
        raise ReferenceError_(f"{path} is not a riskscreen model file: {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("state"), dict):
        raise ReferenceError_(f"{path} is not a riskscreen model file")
    if skops_path is not None and payload.get("skops_sha256") != file_sha256(skops_path):
        return None
    return payload["state"]
