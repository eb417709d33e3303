"""How many cells a spreadsheet would expand to, found by streaming its XML before any load.

A reader (calamine) allocates the whole used range of a sheet: a 2 KB xlsx with one cell at
XFD1048576 and no ``<dimension>`` asks for 17 billion cells, an .ods cell repeated by
``number-columns-repeated`` x ``number-rows-repeated`` for 99 million. Here each worksheet part is
streamed once in bounded steps: for xlsx the largest row and column any ``<row r>``/``<c r>``
names, for ods the row and column reached by the last cell holding a value (repeats counted,
the empty padding LibreOffice writes to the sheet's end not). Memory stays at one step.
"""

from __future__ import annotations

import re
from typing import IO

from defusedxml.ElementTree import iterparse

__all__ = ["col_letters", "col_number", "ods_extents", "xlsx_extent"]

_STEP = 1 << 20
_TAIL = 256
_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\sr=\"(\d+)\"")
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\sr=\"([A-Z]{1,3})(\d+)\"")
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def col_number(letters: str | bytes) -> int:
    """'A' -> 1, 'XFD' -> 16384."""
    text = letters.decode("ascii") if isinstance(letters, bytes) else letters
    n = 0
    for ch in text:
        n = n * 26 + (ord(ch) - 64)
    return n


def xlsx_extent(member: IO[bytes], start: bytes = b"") -> tuple[int, int, str]:
    """(rows, columns, last cell) a worksheet part reaches, streaming it after `start` (the
    bytes already read from it)."""
    max_row = max_col = 0
    tail = b""
    block = start
    while True:
        text = tail + block
        for m in _ROW.finditer(text):
            max_row = max(max_row, int(m.group(1)))
        for m in _CELL.finditer(text):
            max_row = max(max_row, int(m.group(2)))
            max_col = max(max_col, col_number(m.group(1)))
        tail = text[-_TAIL:]
        block = member.read(_STEP)
        if not block:
            break
    return max_row, max_col, f"{col_letters(max_col)}{max_row}"


def col_letters(n: int) -> str:
    """1 -> 'A', 16384 -> 'XFD'."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _repeat(elem, attr: str) -> int:
    try:
        return max(1, int(elem.get(f"{_TABLE}{attr}", "1")))
    except ValueError:
        return 1


def ods_extents(member: IO[bytes]) -> list[tuple[str, int, int]]:
    """(sheet name, rows, columns) of each table in an .ods content.xml, counting repeats up to
    the last cell that holds a value or text."""
    out: list[tuple[str, int, int]] = []
    rows = used_rows = used_cols = 0
    name = ""
    row_cols = 0
    row_used = 0
    for event, elem in iterparse(member, events=("start", "end")):
        tag = elem.tag
        if event == "start" and tag == f"{_TABLE}table":
            name = elem.get(f"{_TABLE}name", "")
            rows = used_rows = used_cols = 0
        elif event == "start" and tag == f"{_TABLE}table-row":
            row_cols = row_used = 0
        elif event == "end" and tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
            row_cols += _repeat(elem, "number-columns-repeated")
            if elem.get(f"{_OFFICE}value-type") is not None or len(elem):
                row_used = row_cols
            elem.clear()
        elif event == "end" and tag == f"{_TABLE}table-row":
            rows += _repeat(elem, "number-rows-repeated")
            if row_used:
                used_rows, used_cols = rows, max(used_cols, row_used)
            elem.clear()
        elif event == "end" and tag == f"{_TABLE}table":
            out.append((name, used_rows, used_cols))
            elem.clear()
    return out
