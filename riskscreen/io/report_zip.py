"""The zip container for the workbook: fixed entry timestamps, and the big sheets spliced in.

openpyxl stamps every zip entry with the current time, so two runs differ byte-wise. This
`ZipFile` gives every entry the same fixed `date_time`, and when openpyxl stores a worksheet
whose rows were built by `report_sheetdata`, streams that XML in place of the empty
`<sheetData/>` (plus `<hyperlinks>` and the sheet's relationships part).
"""

from __future__ import annotations

import queue
import re
import shutil
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping

from riskscreen.io.report_sheetdata import SheetBody

__all__ = ["ReportZip"]

_EMPTY_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>\s*</sheetData>")
# Elements that must follow <hyperlinks> in a worksheet (ECMA-376 CT_Worksheet order).
_AFTER_LINKS = re.compile(
    rb"<(printOptions|pageMargins|pageSetup|headerFooter|rowBreaks|colBreaks|customProperties"
    rb"|cellWatches|ignoredErrors|smartTags|drawing|legacyDrawing|legacyDrawingHF|picture"
    rb"|oleObjects|controls|webPublishItems|tableParts|extLst)\b|</worksheet>"
)
_BIG_SHEET_CELLS = 5_000_000
# Sheet XML is large and repetitive: level 3 deflates ~3x faster than the default 6 for a
# file ~20% larger; sheets of more than _FAST_SHEET_CELLS cells use level 1. The level depends
# only on the sheet's size, so output stays deterministic.
SHEET_COMPRESSLEVEL = 3
_FAST_SHEET_CELLS = 2_000_000
_DONE = object()


def prefetch(chunks: Iterable[bytes], depth: int = 3) -> Iterator[bytes]:
    """Produce `chunks` in a worker thread while the caller deflates the previous ones.

    polars and zlib both release the GIL, so building the XML and compressing it overlap.
    Errors in the worker are re-raised here; if the caller stops early (an exception, Ctrl-C)
    the worker is told to stop and is not waited for beyond its current chunk.
    """
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        """Hand `item` over unless the consumer has gone; never blocks for good."""
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer
            put(exc)

    worker = threading.Thread(target=work, name="riskscreen-sheet-xml", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


class ReportZip(zipfile.ZipFile):
    """Write-mode zip with fixed timestamps; splices `SheetBody` XML into named sheet parts."""

    def __init__(
        self,
        path: str,
        date_time: tuple[int, int, int, int, int, int],
        bodies: Mapping[str, SheetBody],
    ) -> None:
        super().__init__(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._date_time = date_time
        self._bodies = dict(bodies)
        self._written: set[str] = set()

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):  # type: ignore[override]
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        if name in self._written:
            raise RuntimeError(f"report writer: zip part {name} written twice")
        self._written.add(name)
        super().writestr(self._info(name), data)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):  # type: ignore[override]
        name = str(arcname or filename).lstrip("/")
        body = self._bodies.get(name)
        self._written.add(name)
        if body is None:
            with open(filename, "rb") as src, self.open(self._info(name), "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            return
        with open(filename, "rb") as src:
            skeleton = src.read()
        match = _EMPTY_DATA.search(skeleton)
        if match is None:
            raise RuntimeError(f"report writer: no empty sheetData in {name}")
        head, tail = skeleton[: match.start()], skeleton[match.end() :]
        after = _AFTER_LINKS.search(tail)
        cut = after.start() if after else len(tail)
        big = body.frame.height * max(1, len(body.row_exprs)) > _BIG_SHEET_CELLS
        info = self._info(name)
        cells = body.frame.height * max(1, len(body.row_exprs))
        level = 1 if cells > _FAST_SHEET_CELLS else SHEET_COMPRESSLEVEL
        try:
            info.compress_level = level  # Python >= 3.13
        except AttributeError:
            info._compresslevel = level  # Python 3.10-3.12
        with self.open(info, "w", force_zip64=big) as dst:
            dst.write(head)
            for chunk in prefetch(body.sheet_data()):
                dst.write(chunk)
            dst.write(tail[:cut])
            for chunk in body.hyperlinks():
                dst.write(chunk)
            dst.write(tail[cut:])
        rels = body.relationships()
        if rels is not None:
            folder, _, leaf = name.rpartition("/")
            self.writestr(f"{folder}/_rels/{leaf}.rels", rels)
