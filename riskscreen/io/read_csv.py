"""Delimited text (CSV/TSV/"Unicode text") -> a raw all-text grid, one row per record.

Encoding: a BOM decides (UTF-8, UTF-16 LE/BE, UTF-32); else strict UTF-8; else
charset-normalizer's guess when it is a non-Western encoding (GB18030, Shift-JIS, cp1251...);
else cp1252, the usual Western ERP export, falling back to latin-1, which never fails.
Delimiter: an Excel ``sep=;`` first line wins; else the one of , ; TAB | whose count per line is
most consistent over the first lines, ignoring quoted text. Ragged rows are padded with empty
cells, never cut: a row longer than the header gets extra "Column N" columns.
Quotes: standard CSV quoting when some field starts with '"'; otherwise quotes are literal
(12" pipe). An unclosed quote is an InputError rather than a silently swallowed file tail.
BOM-less UTF-16 is recognised by its NUL bytes; text with NULs left after decoding is refused.
"""

from __future__ import annotations

import codecs
import hashlib
import mmap
import re
from collections import Counter
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
import polars as pl

from riskscreen.errors import InputError
from riskscreen.io.read_limits import int_limit
from riskscreen.io.read_utf8 import Buffer, is_utf8, line_flags, line_spans
from riskscreen.threads import Background

DELIMITERS: tuple[str, ...] = ("\t", ";", ",", "|")
_DELIM_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma", "|": "pipe"}
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
_SEP_LINE = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WESTERN = ("ascii", "utf_8", "latin_1", "iso8859_1", "iso8859_15", "cp1252", "cp1250",
            "iso8859_2", "mac_roman", "cp850", "cp437", "cp858")  # fmt: skip


#: Legacy code pages that spreadsheets and ERPs really write outside Western Europe; a guess
#: outside this set (cp775, mac_iceland, cp1006 …) is never taken.
_LEGACY = ("gb18030", "gbk", "gb2312", "big5", "big5hkscs", "shift_jis", "cp932", "euc_jp",
           "euc_kr", "cp949", "cp1251", "koi8_r", "koi8_u", "cp1253", "iso8859_7", "cp1255",
           "iso8859_8", "cp1256", "cp874", "tis_620", "cp1250", "iso8859_2")  # fmt: skip
#: Fewer non-ASCII bytes than this is thin evidence: such a file is read as cp1252 (a dozen
#: accented letters, "Çé,éÇ,ñéñüÇ", is otherwise taken for Cyrillic, Hebrew or Big5).
_MIN_LEGACY_BYTES = 16


def _runs_of_high_bytes(data: bytes) -> float:
    """Share of non-ASCII bytes next to another non-ASCII byte. Western text has its accented
    letters alone between ASCII ones ("C\xf4te"); Cyrillic, Greek, Arabic and CJK text has
    them in runs (whole words)."""
    high = np.frombuffer(data, dtype=np.uint8) >= 0x80
    count = int(np.count_nonzero(high))
    if not count:
        return 0.0
    beside = np.zeros(high.size, dtype=bool)
    beside[1:] |= high[:-1]
    beside[:-1] |= high[1:]
    return int(np.count_nonzero(high & beside)) / count


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8: as cp1252 (then latin-1, which never fails), the
    encodings Western spreadsheets write, unless the text is clearly in another script and
    charset-normalizer names one of the widely used legacy code pages in `_LEGACY`. Returns
    (text, encoding)."""
    sample = data[: 1 << 18]
    high = int(np.count_nonzero(np.frombuffer(sample, dtype=np.uint8) >= 0x80))
    guess = None
    if high >= _MIN_LEGACY_BYTES and _runs_of_high_bytes(sample) >= 0.5:
        try:
            from charset_normalizer import from_bytes
        except ImportError:  # optional dependency: Western default
            best = None
        else:
            best = from_bytes(sample).best()
        guess = best.encoding if best is not None else None
    if guess and guess.replace("-", "_").lower() in _LEGACY:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _decode_line(line: bytes) -> str:
    for encoding in ("cp1252", "latin-1"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    return line.decode("latin-1")  # pragma: no cover - latin-1 never fails


def _repair_lines(data: bytes) -> tuple[str, list[int]] | None:
    """Mostly-UTF-8 bytes with a few lines in cp1252/latin-1 (a line pasted from another
    export): each line decoded on its own. Returns (text, 1-based repaired line numbers), or
    None when no line shows UTF-8 at all (then the whole file is a legacy encoding).

    Which lines are UTF-8 is found over the bytes (`read_utf8.line_flags`); only the others
    are decoded one by one, the runs of UTF-8 lines between them each in one piece."""
    feeds = line_spans(data)
    high, invalid = line_flags(data, feeds)
    if not (high & ~invalid).any():  # no non-ASCII line reads as UTF-8
        return None
    starts = np.concatenate(([0], feeds + 1))
    ends = np.concatenate((feeds, [len(data)]))
    repaired = (np.flatnonzero(invalid) + 1).tolist()
    pieces: list[str] = []
    line = 0  # the first line not yet decoded (0-based)
    for bad in np.flatnonzero(invalid).tolist():
        if bad > line:  # the UTF-8 lines before it, line feeds included
            pieces.append(data[starts[line] : ends[bad - 1]].decode("utf-8"))
        pieces.append(_decode_line(data[starts[bad] : ends[bad]]))
        line = bad + 1
    if line < starts.size:
        pieces.append(data[starts[line] : ends[-1]].decode("utf-8"))
    return "\n".join(pieces), repaired


def _looks_utf16(data: bytes) -> str | None:
    """BOM-less UTF-16: many NUL bytes on one side of each byte pair."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0) / (len(sample) / 2)
    odd = sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def decode_text(data: bytes, label: str, notes: list[str] | None = None) -> tuple[str, str]:
    """Decode file bytes to text; returns (text, encoding name used).

    A BOM decides; then BOM-less UTF-16; then strict UTF-8; then, when most lines are UTF-8
    and a few are not, each line on its own (those lines as cp1252, named in a note); else
    `_decode_legacy`. Notes for the user (repaired lines) are appended to `notes`.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc.replace("-sig", "")), enc
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{label}: the file starts with a {enc} byte-order mark but is not valid "
                    f"{enc} (byte {exc.start + len(bom)}); save it again as UTF-8 CSV"
                ) from None
    enc16 = _looks_utf16(data)
    if enc16:
        try:
            return data.decode(enc16), enc16
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _repair_lines(data)
    if mixed is not None:
        text, lines = mixed
        shown = ", ".join(str(n) for n in lines[:10]) + (" …" if len(lines) > 10 else "")
        note = (
            f"{label}: the file is UTF-8 except {len(lines)} line(s) in another encoding, read "
            f"as cp1252 (line {shown}); check those rows"
        )
        if notes is not None:
            notes.append(note)
        return text, "utf-8 (with cp1252 lines)"
    return _decode_legacy(data)


def sniff_delimiter(text: str, n_lines: int = 50) -> str:
    """Pick the delimiter among , ; TAB | that splits the first lines most consistently."""
    sample = _QUOTED.sub("", text[: 1 << 16])
    lines = [ln for ln in sample.splitlines()[:n_lines] if ln.strip()]
    if not lines:
        return ","
    best, best_key = ",", (0.0, 0, 0)
    for rank, d in enumerate(reversed(DELIMITERS)):
        counts = [ln.count(d) for ln in lines]
        nonzero = [c for c in counts if c > 0]
        if not nonzero:
            continue
        modal, freq = Counter(nonzero).most_common(1)[0]
        key = (freq / len(lines), modal, rank)
        if key > best_key:
            best, best_key = d, key
    return best


def delimiter_name(d: str) -> str:
    """'comma', 'semicolon', 'tab' or 'pipe'."""
    return _DELIM_NAMES.get(d, repr(d))


def _uses_quotes(payload: Buffer, delimiter: str) -> bool:
    """True if some field starts with a double quote (so quoting is in use at all).

    Plain substring searches on the UTF-8 bytes (C speed, stopping at the first hit) rather than
    a regex scan over the whole file; UTF-8 is self-synchronising, so a byte match is a text
    match.
    """
    if payload.find(b'"') == -1:
        return False
    first = _NOT_BLANK.search(payload)
    if first is not None and payload[first.start() : first.start() + 1] == b'"':
        return True
    starts = (delimiter.encode("utf-8"), b"\n", b"\r")
    pads = (b"", b" ", b"  ", b"\t")
    return any(payload.find(s + pad + b'"') != -1 for s in starts for pad in pads)


_NOT_BLANK = re.compile(rb"[^ \t]")
#: Characters looked at to sniff the delimiter and the width (the text's first 64 Ki).
_HEAD_CHARS = 1 << 16


def _head(payload: Buffer) -> str:
    """The first `_HEAD_CHARS` characters of UTF-8 `payload`, decoding no more than they need
    (four bytes a character at most; a character cut at the end of the slice is left out)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    return decoder.decode(payload[: 4 * _HEAD_CHARS])[:_HEAD_CHARS]


def _line_of(payload: Buffer, message: str) -> str:
    m = re.search(r"offset in the file is (\d+) bytes", message)
    if not m or int(m.group(1)) == 0:  # polars reports 0 when it cannot tell
        return ""
    line = payload[: int(m.group(1))].count(b"\n") + 1
    return f" near line {line}"


def _parse(
    head: str, payload: Buffer, delimiter: str, label: str, file: BinaryIO | None = None
) -> pl.DataFrame:
    """Parse `payload` (the text, UTF-8 encoded; `head` its first characters) into a grid.
    `file`, when given, holds exactly `payload` and is what polars reads (no copy in Python)."""
    sample = _QUOTED.sub("", head)
    width = max((ln.count(delimiter) + 1 for ln in sample.splitlines()[:200]), default=1)
    cap = int_limit("max_columns")
    # A file that never starts a field with '"' does not use quoting: its quotes are inch marks
    # and the like, and must be read literally (polars would call them malformed).
    quote: str | None = '"' if _uses_quotes(payload, delimiter) else None
    name = delimiter_name(delimiter)
    while True:
        schema = {f"c{i}": pl.String for i in range(width)}
        if file is not None:
            file.seek(0)
        try:
            return pl.read_csv(
                payload if file is None else file,
                has_header=False,
                separator=delimiter,
                quote_char=quote,
                schema=schema,
                missing_columns="insert",
                raise_if_empty=False,
                infer_schema=False,
            )
        except pl.exceptions.ComputeError as exc:
            msg = str(exc)
            if "more fields" in msg and width < cap:
                width = min(width * 2, cap)
                continue
            raise InputError(
                f'{label}: could not read it as {name}-separated text: a quote (") is opened '
                f"and not closed, or sits inside a quoted field{_line_of(payload, msg)}; fix "
                "the quotes or save the list again from Excel as CSV"
            ) from None
        except pl.exceptions.PolarsError as exc:
            raise InputError(
                f"{label}: could not read it as {name}-separated text ({type(exc).__name__}); "
                "save it again as CSV"
            ) from None


def _utf8_payload(data: Buffer) -> tuple[Buffer, str] | None:
    """(the text's UTF-8 bytes, encoding) when `decode_text` would read `data` as UTF-8 (with or
    without a BOM), found without decoding it; None for every other case."""
    if data[: len(codecs.BOM_UTF8)] == codecs.BOM_UTF8:
        body = data[len(codecs.BOM_UTF8) :]
        return (body, "utf-8-sig") if is_utf8(body) else None
    if any(data[: len(bom)] == bom for bom, _ in _BOMS) or _looks_utf16(data):
        return None
    return (data, "utf-8") if is_utf8(data) else None


def _cells_over_limit(payload: Buffer, delimiter: str) -> int | None:
    """The rough cell count (delimiters plus line feeds, before any parsing) when it is over
    `max_cells`, else None. There is at most one per byte, so a file no larger than the limit
    is not counted at all."""
    cap = int_limit("max_cells")
    if len(payload) <= cap:
        return None
    sep = delimiter.encode("utf-8")
    if len(sep) == 1:
        array = np.frombuffer(payload, dtype=np.uint8)
        cells, step = 0, 1 << 20  # blocks whose comparison masks stay in the CPU's cache
        for start in range(0, array.size, step):
            block = array[start : start + step]
            cells += int(np.count_nonzero(block == sep[0])) + int(np.count_nonzero(block == 10))
    else:
        text = payload[:]
        cells = text.count(sep) + text.count(b"\n")
    return cells if cells > cap else None


def _text_size(path: Path, label: str) -> int:
    """The file's size in bytes, refused over `max_text_bytes`."""
    size = path.stat().st_size
    if size > int_limit("max_text_bytes"):
        raise InputError(
            f"{label}: the text file is {size / 2**20:,.0f} MiB, over the "
            f"{int_limit('max_text_bytes') / 2**20:,.0f} MiB limit; split it or save as Parquet"
        )
    return size


class TextGrid(NamedTuple):
    """A delimited text file as read: its raw grid, how it was read, and its bytes' SHA-256."""

    grid: pl.DataFrame
    encoding: str
    delimiter: str
    sha256: str


def read_text_grid(
    path: Path, label: str, data: bytes | None = None, notes: list[str] | None = None
) -> TextGrid:
    """Read a delimited text file (or its bytes, `data`) into a grid of String columns c0..cN,
    one row per record.

    Values are exactly as in the file except that empty fields are null; record 1 is the file's
    first record. The file is memory-mapped, not copied: UTF-8 (the usual case) is checked in
    place and read by polars from the file itself, never decoded in Python; other encodings are
    decoded once (`decode_text`) and handed over re-encoded as UTF-8. The SHA-256 is of the same
    bytes, so the file is read once.
    """
    if data is not None:
        return _text_grid(path, label, data, notes, None)
    if _text_size(path, label) == 0:
        return _text_grid(path, label, b"", notes, None)
    with path.open("rb") as file:
        try:
            view = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file system that cannot map files: read it whole
            return _text_grid(path, label, file.read(), notes, None)
        with view:
            return _text_grid(path, label, view, notes, file)


def _text_grid(
    path: Path, label: str, data: Buffer, notes: list[str] | None, file: BinaryIO | None
) -> TextGrid:
    """`read_text_grid` once the bytes are at hand (`file` holds them, for polars to read).
    The checksum is taken on another thread while polars parses (hashing lets go of Python's
    lock); it is always waited for, so the bytes outlive it."""
    hashing = Background(lambda: hashlib.sha256(data).hexdigest())
    try:
        grid, encoding, delimiter = _grid(path, label, data, notes, file)
    finally:
        digest = hashing.result()
    return TextGrid(grid, encoding, delimiter, digest)


def _grid(
    path: Path, label: str, data: Buffer, notes: list[str] | None, file: BinaryIO | None
) -> tuple[pl.DataFrame, str, str]:
    """The grid, encoding and delimiter of a text file's bytes."""
    fast = _utf8_payload(data)
    if fast is not None:
        payload, encoding = fast
    else:
        text, encoding = decode_text(data[:], label, notes)
        payload = text.encode("utf-8")
        del text
    if payload is not data:
        file = None  # polars reads the text as given, not the file
    head = _head(payload)
    if "\x00" in head[:4096]:
        raise InputError(
            f"{label}: the file contains binary data, not text; is it really a {path.suffix} file?"
        )
    if payload.find(b"\n") == -1 and payload.find(b"\r") != -1:  # classic Mac line endings
        payload, head, file = payload[:].replace(b"\r", b"\n"), head.replace("\r", "\n"), None
    forced = _SEP_LINE.match(head)
    if forced:
        delimiter = forced.group(1)
        if len(delimiter.encode("utf-8")) != 1:  # polars splits on one byte only
            raise InputError(
                f"{label}: its first line 'sep={delimiter}' names a delimiter that is not a "
                "single-byte character; change that line to sep=, or sep=; (or delete it) and "
                "save the file again"
            )
        payload, file = payload[len(forced.group(0).encode("utf-8")) :], None
        head = _head(payload)
    else:
        delimiter = sniff_delimiter(head)
    rough_cells = _cells_over_limit(payload, delimiter)
    if rough_cells is not None:
        raise InputError(
            f"{label}: about {rough_cells:,} cells ({delimiter_name(delimiter)}-separated) is "
            f"over the {int_limit('max_cells'):,}-cell limit; delete the columns you do not "
            "need, or split the list"
        )
    grid = _parse(head, payload, delimiter, label, file)
    if forced:  # keep record numbers as in the file: the sep= line is record 1
        grid = pl.concat([grid.clear(1), grid])
    return grid, encoding, delimiter
