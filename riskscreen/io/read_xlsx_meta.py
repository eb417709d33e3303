"""Which sheets of an xlsx/xlsm hold values, and which are hidden, without parsing any cells.

Choosing the default sheet needs to know which sheets are empty; asking calamine means parsing
every sheet in full (seconds for a big one). Here the workbook's sheet list is read from
`xl/workbook.xml` (defusedxml) and each sheet part is streamed only until its first value element
(``<v>`` or inline ``<is>``), so a non-empty sheet costs a few KB of decompression.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)[\s>]")


@dataclass(frozen=True)
class SheetInfo:
    """A sheet's name, whether Excel hides it, and whether any cell holds a value."""

    name: str
    hidden: bool
    has_values: bool


def _has_values(zf: zipfile.ZipFile, part: str, chunk: int = 1 << 16) -> bool:
    tail = b""
    with zf.open(part) as member:
        while True:
            block = member.read(chunk)
            if not block:
                return False
            if _VALUE.search(tail + block):
                return True
            tail = block[-16:]


def xlsx_sheets(path: Path) -> list[SheetInfo] | None:
    """Sheets in workbook order, or None when the package is not a standard xlsx/xlsm.

    Call only after `read_guard.check_zip` has vetted the package.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
            targets = {
                r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")
            }
            names = set(zf.namelist())
            out: list[SheetInfo] = []
            for sheet in book.iter(f"{_MAIN}sheet"):
                target = targets.get(sheet.get(f"{_DOC_REL}id"), "")
                part = (
                    target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                )
                part = posixpath.normpath(part)
                if part not in names:
                    return None
                hidden = sheet.get("state", "visible") != "visible"
                out.append(SheetInfo(sheet.get("name", ""), hidden, _has_values(zf, part)))
            return out
    except Exception:  # noqa: BLE001 - any oddity: the caller falls back to calamine
        return None
