"""Measure what a zip's parts really inflate to, without trusting the sizes the zip declares.

A zip bomb can declare small uncompressed sizes and still inflate to gigabytes; Python's
zipfile stops at the declared size, but another reader (calamine's) may not. Here each deflated
part's raw bytes are inflated in bounded steps and counted; inflating stops as soon as the
workbook's budget is spent or a part grows past its declared size. Memory stays at one step.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIG = b"PK\x03\x04"
_STEP = 1 << 20


def _raw_start(f, info: zipfile.ZipInfo) -> int:
    """Offset of the part's compressed bytes (after its local header)."""
    f.seek(info.header_offset)
    fields = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
    if fields[0] != _LOCAL_SIG:
        raise zipfile.BadZipFile(f"bad local header for {info.filename}")
    return info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]


def _inflate_count(f, info: zipfile.ZipInfo, budget: int) -> int:
    """Bytes the deflated part inflates to, counting at most `budget` + one step."""
    f.seek(_raw_start(f, info))
    left = info.compress_size
    inflater = zlib.decompressobj(-15)
    total = 0
    while left > 0 and total <= budget:
        chunk = f.read(min(_STEP, left))
        if not chunk:
            break
        left -= len(chunk)
        data = inflater.decompress(chunk, _STEP)
        total += len(data)
        while inflater.unconsumed_tail and total <= budget:
            data = inflater.decompress(inflater.unconsumed_tail, _STEP)
            total += len(data)
    return total


def inflation_problem(path: Path, infos: list[zipfile.ZipInfo], budget: int) -> str | None:
    """None if every deflated part inflates to at most its declared size and all of them
    together to at most `budget` bytes; else a short reason."""
    spent = 0
    with path.open("rb") as f:
        for info in infos:
            if info.compress_type != zipfile.ZIP_DEFLATED or info.is_dir():
                continue
            real = _inflate_count(f, info, max(budget - spent, 0))
            if real > info.file_size:
                return f"part '{info.filename}' inflates to more than the size it declares"
            spent += real
            if spent > budget:
                return "the parts inflate to more than the size limit"
    return None
