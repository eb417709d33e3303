"""Check every output path before any work: known extension, a writable folder, never an input.

A run must not spend minutes screening and then fail on a typo in `--also`, nor overwrite the
user's own files: an output that names one of the run's inputs (the supplier file, a
`--watchlist`, the two runs a `diff` compares) is refused, whether it names it directly, through
a symbolic link or as a hard link. All outputs are checked together, so nothing is written when
any one of them is wrong.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from riskscreen.errors import InputError

__all__ = ["check_outputs", "same_file"]

OUTPUT_SUFFIXES: tuple[str, ...] = (".xlsx", ".csv", ".parquet")


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when `a` and `b` are one file: same resolved path (symlinks followed) or, when both
    exist, the same inode (hard links, case-insensitive file systems)."""
    a, b = Path(a), Path(b)
    with contextlib.suppress(OSError, RuntimeError):
        if a.resolve() == b.resolve():
            return True
    with contextlib.suppress(OSError):
        return a.exists() and b.exists() and os.path.samefile(a, b)
    return False


def _folder_problem(path: Path) -> str | None:
    """Why `path` cannot be written, or None. Creates and removes a probe file in its folder."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.exists():
        return f"folder {folder} does not exist; create it or choose another output path"
    if not folder.is_dir():
        return f"{folder} is not a folder; choose another output path"
    if path.is_dir():
        return "it is a folder; give a file name such as report.xlsx"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file exists and is read-only; close it (in Excel?) or choose another name"
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".check", dir=folder)
    except OSError as exc:
        return f"cannot write in folder {folder} ({exc.strerror or exc}); choose another folder"
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return None


def check_outputs(
    outputs: Sequence[str | Path],
    inputs: Sequence[str | Path | None] = (),
    *,
    suffixes: Sequence[str] = OUTPUT_SUFFIXES,
) -> list[Path]:
    """Vet all `outputs` at once; return them as Paths or raise one `InputError` saying which
    output is wrong and what to do. Checks: extension in `suffixes`, no output named twice, no
    output that is one of `inputs`, an existing writable folder."""
    paths = [Path(p) for p in outputs]
    given = [Path(p) for p in inputs if p is not None]
    allowed = ", ".join(suffixes)
    for i, path in enumerate(paths):
        suffix = path.suffix.lower()
        if suffix not in suffixes:
            raise InputError(
                f"output {path}: unknown extension '{suffix or '(none)'}'; use {allowed}. "
                "Nothing was written"
            )
        for earlier in paths[:i]:
            if same_file(path, earlier):
                raise InputError(
                    f"output {path} is named twice; give each output its own file name. "
                    "Nothing was written"
                )
        for source in given:
            if same_file(path, source):
                raise InputError(
                    f"refusing to write the output to {path}: that is the input file {source} "
                    "(or a link to it); choose another output name. Nothing was written"
                )
    for path in paths:
        problem = _folder_problem(path)
        if problem:
            raise InputError(f"cannot write {path}: {problem}. Nothing was written")
    return paths
