"""Checks made on a supplier file BEFORE any parser sees it: what it really is, and is it safe.

* sniff the first bytes (zip, OLE2/CFB, Parquet, HTML/XML text) so a renamed or damaged file gets
  a clear message instead of a parser traceback;
* password-protected Office files are OLE2/CFB containers holding an ``EncryptionInfo`` stream;
* zip bombs: the declared uncompressed size of all parts, the number of parts and the overall
  compression ratio are compared with `reference/input_limits.csv`; then every deflated part is
  inflated in bounded steps (`read_inflate`) so sizes that lie are caught too;
* XML entity expansion: Excel never writes ``<!DOCTYPE``/``<!ENTITY``; the first KB of every XML
  part is decompressed (streaming, bounded) and such files are refused;
* the ``<dimension ref="A1:Z99">`` of each worksheet caps the cell count before calamine
  allocates anything.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import IO

from riskscreen.errors import InputError
from riskscreen.io.read_extent import ods_extents, xlsx_extent
from riskscreen.io.read_inflate import inflation_problem
from riskscreen.io.read_limits import int_limit, limit

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PARQUET_MAGIC = b"PAR1"
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')
_DANGEROUS_XML = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ROOT_START = re.compile(rb"<[A-Za-z_]")


def head_bytes(path: Path, n: int = 4096) -> bytes:
    """The first `n` bytes of the file."""
    with path.open("rb") as f:
        return f.read(n)


#: Leading bytes of files people rename by mistake, and what they are.
_OTHER_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"{\\rtf", "rtf"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
    (b"Rar!", "rar"),
)


def sniff(head: bytes) -> str:
    """What the bytes look like: 'zip', 'ole', 'parquet', 'html', 'xml', 'empty', 'text', a
    known other format ('pdf', 'png', 'jpeg', 'gif', 'rtf', 'gzip', '7z', 'rar') or 'binary'."""
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    for magic, kind in _OTHER_MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary"  # text has no NUL bytes (UTF-16 text starts with its BOM)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        return "html"
    if text.startswith(b"<?xml") or text.startswith(b"<workbook"):
        return "xml"
    return "text"


def zip_package(path: Path) -> str:
    """What a zip file holds: 'workbook' (xlsx/xlsm/xlsb/ods), 'docx', 'pptx', 'odt', 'odp',
    'epub' or 'zip' (another archive); 'workbook' when it cannot tell (the checks decide)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError):
        return "workbook"
    if any(n.startswith("xl/") for n in names) or b"spreadsheet" in mimetype:
        return "workbook"
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("ppt/") for n in names):
        return "pptx"
    for key, kind in ((b"opendocument.text", "odt"), (b"opendocument.presentation", "odp"),
                      (b"epub", "epub")):
        if key in mimetype:
            return kind
    return "zip"


def ole_document(path: Path, chunk: int = 1 << 16) -> str:
    """'doc' or 'ppt' for an old-style Word or PowerPoint file, else 'workbook'."""
    with path.open("rb") as f:
        data = f.read(chunk * 16)
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "PowerPoint Document".encode("utf-16-le") in data:
        return "ppt"
    return "workbook"


def ole_is_encrypted(path: Path, chunk: int = 1 << 20) -> bool:
    """True if an OLE2/CFB container names an `EncryptionInfo` stream (an encrypted OOXML file).

    Directory entries store stream names in UTF-16LE; the scan is chunked with an overlap so the
    file is never held in memory at once.
    """
    overlap = len(_ENCRYPTION_INFO)
    tail = b""
    with path.open("rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                return False
            if _ENCRYPTION_INFO in tail + block:
                return True
            tail = block[-overlap:]


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.decode("ascii"):
        n = n * 26 + (ord(ch) - 64)
    return n


def _check_declared(infos: list[zipfile.ZipInfo], packed: int, label: str) -> None:
    """Part count, total declared size and overall ratio against the limits."""
    if len(infos) > int_limit("max_zip_entries"):
        raise InputError(
            f"{label}: the workbook has {len(infos):,} parts, more than any spreadsheet "
            "needs; refusing to read it (possible zip bomb)"
        )
    total = sum(i.file_size for i in infos)
    if total > int_limit("max_zip_uncompressed_bytes"):
        raise InputError(
            f"{label}: the workbook would unpack to {total / 2**30:.1f} GiB, over the "
            f"{limit('max_zip_uncompressed_bytes') / 2**30:.1f} GiB limit; refusing to "
            "read it (possible zip bomb). Split the list or save it as CSV"
        )
    if total > int_limit("zip_ratio_min_bytes") and total / packed > limit("max_zip_ratio"):
        raise InputError(
            f"{label}: the workbook unpacks {total / packed:,.0f} times its size, far more "
            "than a real spreadsheet; refusing to read it (possible zip bomb)"
        )


def _check_xml_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], label: str) -> None:
    """No DOCTYPE/ENTITY before any XML part's root; worksheet dimensions within max_cells."""
    for info in infos:
        name = info.filename.lower()
        if info.is_dir() or not name.endswith((".xml", ".rels", ".vml")):
            continue
        with zf.open(info) as member:
            verdict, start = xml_prolog(member)
        if verdict != "ok":
            why = (
                "declares an XML DOCTYPE/ENTITY, which Excel never writes"
                if verdict == "doctype"
                else "has an XML prolog far longer than any spreadsheet writes"
            )
            raise InputError(
                f"{label}: part '{info.filename}' {why}; refusing to read it (possible "
                "entity-expansion attack). Open it in Excel and save a fresh copy"
            )
        if "worksheets/" in name:
            _check_dimension(start, label)
            with zf.open(info) as member:
                rows, cols, last = xlsx_extent(member)
            _check_extent(rows, cols, label, f"uses cells up to {last}", _FAR_CELL_HINT)
        elif name == "content.xml":
            with zf.open(info) as member:
                extents = _ods_extents(member, label)
            for sheet, rows, cols in extents:
                _check_extent(rows, cols, f"{label}, sheet '{sheet}'",
                              "repeats its cells", _REPEAT_HINT)


def check_zip(path: Path, label: str) -> None:
    """Refuse zip bombs, XML entity declarations and oversize sheets in an xlsx/xlsm/xlsb/ods."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_declared(infos, max(path.stat().st_size, 1), label)
            lie = inflation_problem(path, infos, int_limit("max_zip_uncompressed_bytes"))
            if lie:
                raise InputError(
                    f"{label}: {lie}; refusing to read it (possible zip bomb). Open it in Excel "
                    "and save a fresh copy, or export it as CSV"
                )
            _check_xml_parts(zf, infos, label)
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            zlib.error, struct.error) as exc:  # fmt: skip
        raise InputError(
            f"{label}: the file is damaged (not a readable zip/Excel package: {exc}); "
            "open it in Excel and save it again, or export it as CSV"
        ) from None
    except NotImplementedError as exc:  # unsupported compression method
        raise InputError(
            f"{label}: the workbook uses an unsupported compression ({exc}); save it again in Excel"
        ) from None


def xml_prolog(member: IO[bytes]) -> tuple[str, bytes]:
    """Read an XML part up to its root element: ('ok' | 'doctype' | 'too_long', bytes read).

    A DOCTYPE (and so any ENTITY) can only come before the root element, so reading up to the
    first start tag (comments removed, UTF-16 transcoded) is enough; reading stops there, after
    `xml_sniff_bytes`-sized steps, and gives up past `max_xml_prolog_bytes`.
    """
    step = int_limit("xml_sniff_bytes")
    cap = int_limit("max_xml_prolog_bytes")
    buf = b""
    while True:
        block = member.read(step)
        buf += block
        text = buf
        if b"\x00" in buf[:4]:  # UTF-16 XML: compare in UTF-8
            text = buf.decode("utf-16", errors="ignore").encode("utf-8")
        text = _COMMENT.sub(b"", text)
        open_comment = text.find(b"<!--")
        if open_comment != -1:
            text = text[:open_comment]
        root = _ROOT_START.search(text)
        if _DANGEROUS_XML.search(text[: root.start()] if root else text):
            return "doctype", buf
        if root or not block:
            return "ok", buf
        if len(buf) >= cap:
            return "too_long", buf


_FAR_CELL_HINT = (
    "delete the rows and columns beyond your table (Ctrl+End in Excel shows the last used "
    "cell), save, and try again; or save the sheet as CSV"
)
_REPEAT_HINT = (
    "delete the repeated rows and columns beyond your table in LibreOffice, save, and try "
    "again; or save the sheet as CSV"
)


def _check_extent(rows: int, cols: int, where: str, what: str, hint: str) -> None:
    """Refuse a sheet whose used range (rows x columns) is over max_cells, before any load."""
    if rows * cols > int_limit("max_cells") or cols > int_limit("max_columns"):
        raise InputError(
            f"{where}: a sheet {what}: {rows:,} rows x {cols:,} columns = {rows * cols:,} cells, "
            f"over the {int_limit('max_cells'):,}-cell limit; {hint}"
        )


def _ods_extents(member: IO[bytes], label: str) -> list[tuple[str, int, int]]:
    try:
        return ods_extents(member)
    except Exception as exc:  # noqa: BLE001 - damaged XML: a user message, not a traceback
        raise InputError(
            f"{label}: the spreadsheet content is damaged ({type(exc).__name__}); open it in "
            "LibreOffice or Excel and save it again, or export it as CSV"
        ) from None


def _check_dimension(start: bytes, label: str) -> None:
    m = _DIMENSION.search(start)
    if not m or not m.group(3):
        return
    rows = int(m.group(4)) - int(m.group(2)) + 1
    cols = _col_number(m.group(3)) - _col_number(m.group(1)) + 1
    if rows * cols > int_limit("max_cells"):
        raise InputError(
            f"{label}: a sheet claims {rows:,} rows x {cols:,} columns, over the "
            f"{int_limit('max_cells'):,}-cell limit; delete unused rows/columns or save as CSV"
        )
