"""Save and load the model with skops, accepting only an explicit list of trusted types.

Never pickle: skops stores plain data and sklearn estimators; on load, every type recorded in
the file's schema is checked against `TRUSTED_TYPES` first, and anything else is refused
with `ReferenceError_` before any object is created.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

from riskscreen.errors import ReferenceError_
from riskscreen.paths import models_dir

MODEL_FILE = "risk_model.skops"

#: Every type a riskscreen model file may contain (fully qualified names as skops records them).
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.bool_",
    "sklearn.linear_model._logistic.LogisticRegression",
)


def default_path() -> Path:
    """models/risk_model.skops (checkout) or its copy inside an installed wheel."""
    return models_dir() / MODEL_FILE


def save_model(model, path: str | Path | None = None) -> Path:
    """Write `model.state` to `path` atomically; refuse to write untrusted types."""
    import skops.io as sio

    target = Path(path) if path else default_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".skops")
    os.close(fd)
    try:
        sio.dump(model.state, tmp)
        found = file_types(Path(tmp))
        extra = sorted(found - set(TRUSTED_TYPES))
        if extra:
            raise ReferenceError_(f"model contains types outside the trusted list: {extra}")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the model is a shared, public artefact
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def file_types(path: Path) -> set[str]:
    """All 'module.Class' names recorded in a skops file's schema (read without loading)."""
    try:
        with zipfile.ZipFile(path) as zf:
            schema = json.loads(zf.read("schema.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReferenceError_(f"{path} is not a riskscreen model file: {exc}") from exc
    found: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "__class__" in node and "__module__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def load_model(path: str | Path | None = None):
    """Load a RiskModel from a skops file (default models/risk_model.skops), trusted types only."""
    import skops.io as sio

    from riskscreen.model.predict import FORMAT, RiskModel

    source = Path(path) if path else default_path()
    if not source.is_file():
        raise ReferenceError_(
            f"model file {source} is missing; run `python -m riskscreen.model train`"
        )
    untrusted = sorted(file_types(source) - set(TRUSTED_TYPES))
    if untrusted:
        raise ReferenceError_(f"refusing to load {source}: untrusted types {untrusted}")
    try:
        state = sio.load(source, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # skops raises UntrustedTypesFoundException and others
        raise ReferenceError_(f"cannot load model {source}: {exc}") from exc
    if not isinstance(state, dict) or state.get("meta", {}).get("format") != FORMAT:
        raise ReferenceError_(f"{source} is not a riskscreen risk model")
    return RiskModel(state)
