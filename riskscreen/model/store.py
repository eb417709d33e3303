"""Save and load the model with skops, accepting only an explicit list of trusted types.

Never pickle: skops stores plain data and sklearn estimators; on load, every type recorded in
the file's schema is checked against `TRUSTED_TYPES` first, and anything else is refused
with `ReferenceError_` before any object is created. Beside the skops file goes the same model
as plain JSON (`riskscreen.model.plain`), which `load_model` prefers while it matches the skops
file byte for byte: it loads in milliseconds instead of importing scikit-learn.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

from riskscreen.checksum import file_sha256
from riskscreen.errors import ReferenceError_
from riskscreen.model.plain import PLAIN_SUFFIX, plain_path, plain_state, read_plain, write_plain
from riskscreen.model.predict import FORMAT, RiskModel
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
    """Write `model.state` to `path` atomically (refusing untrusted types), and its plain JSON
    twin beside it when the scorers are linear (a stale twin is removed otherwise)."""
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
    plain = plain_state(model.state)
    twin = plain_path(target)
    if plain is None:
        twin.unlink(missing_ok=True)
    else:
        write_plain(plain, twin, file_sha256(target))
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
    """Load a RiskModel (default models/risk_model.skops): from its plain JSON twin when that was
    exported from this very file, else from the skops file with trusted types only. A path
    ending in .json.gz loads that plain file directly."""
    source = Path(path) if path else default_path()
    if not source.is_file():
        raise ReferenceError_(
            f"model file {source} is missing; run `riskscreen model train`"
        )
    if source.name.endswith(PLAIN_SUFFIX):
        return _checked(read_plain(source), source)
    twin = plain_path(source)
    if twin.is_file():
        state = read_plain(twin, skops_path=source)
        if state is not None:
            return _checked(state, twin)
    return _load_skops(source)


def _checked(state: dict | None, source: Path):
    if not isinstance(state, dict) or state.get("meta", {}).get("format") != FORMAT:
        raise ReferenceError_(f"{source} is not a riskscreen risk model")
    return RiskModel(state)


def _load_skops(source: Path):
    import skops.io as sio

    untrusted = sorted(file_types(source) - set(TRUSTED_TYPES))
    if untrusted:
        raise ReferenceError_(f"refusing to load {source}: untrusted types {untrusted}")
    try:
        state = sio.load(source, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # skops raises UntrustedTypesFoundException and others
        raise ReferenceError_(f"cannot load model {source}: {exc}") from exc
    return _checked(state, source)
