"""Atomic file output: write to a temp file beside the target, then `os.replace` it into place.

Readers (Excel, an auditor's diff, a second run) never see a half-written file: until the
write completes the old file stays untouched, and on any failure — including Ctrl-C
(`KeyboardInterrupt`) — the temp file is removed. Every writer in `riskscreen.io` (and the
diff module) goes through `atomic_output`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from riskscreen.errors import InputError, RiskscreenError

__all__ = ["atomic_output", "refuse_input_overwrite"]


def refuse_input_overwrite(output: str | Path, input_path: str | Path | None) -> None:
    """Raise `InputError` when `output` names the same file as `input_path` (the supplier file).

    Compares resolved paths and, when both exist, the file identity (catches hard links and
    case-insensitive file systems).
    """
    if input_path is None:
        return
    out, inp = Path(output), Path(input_path)
    same = out.resolve() == inp.resolve()
    if not same and out.exists() and inp.exists():
        with contextlib.suppress(OSError):
            same = os.path.samefile(out, inp)
    if same:
        raise InputError(
            f"refusing to write the output to {out}: that is the input file; "
            "choose another output name"
        )


def _default_mode(target: Path) -> int:
    """Permissions the final file should get: the old file's, else what `open()` would give."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def atomic_output(target: str | Path, *, fsync: bool = True) -> Iterator[Path]:
    """Yield a temp path in the target's folder; move it onto `target` when the block succeeds.

    The temp file exists (empty) when the block starts; the caller writes it by path. On any
    exception (`BaseException`, so `KeyboardInterrupt` too) the temp file is deleted and the
    exception propagates; a previous `target` is left as it was.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise RiskscreenError(f"cannot write {target}: folder {folder} does not exist")
    if target.is_dir():
        raise RiskscreenError(f"cannot write {target}: it is a folder; give a file name")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise RiskscreenError(f"cannot write to folder {folder}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _default_mode(target))
        if fsync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        try:
            os.replace(tmp, target)
        except PermissionError as exc:
            raise RiskscreenError(
                f"cannot replace {target}: it is locked or read-only "
                "(close it in Excel and run again)"
            ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
