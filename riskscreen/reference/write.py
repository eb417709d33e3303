"""Write built reference tables: atomically, UTF-8, LF line endings, nothing that varies by run.

Shared by the ILAB build (`build.py`) and the FAO build (`fao.py`), so both write byte-identical
files for identical content.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

__all__ = ["write_table", "write_text"]


def write_text(path: Path, text: str) -> None:
    """Write atomically with LF line endings."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def write_table(frame: pl.DataFrame, path: Path) -> None:
    """CSV, UTF-8, LF, nulls as empty cells, written atomically."""
    write_text(path, frame.write_csv(line_terminator="\n"))
