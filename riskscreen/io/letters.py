"""Supplier questionnaires: one file per flagged supplier, ready to send (.docx or .xlsx).

Built from a Follow-up frame (`riskscreen.followup.followup_frame`, or the Follow-up sheet of a
report read back with `read_followup`): the supplier's flagged rows, why we ask, the questions
with room for answers, and the documents to send, in any language of the follow-up tables.
Every file appears atomically; a failure removes the files this call wrote.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from pathlib import Path

import polars as pl

from riskscreen.errors import InputError
from riskscreen.followup import finding_order, followup_texts, phrase
from riskscreen.io.atomic import atomic_output, refuse_input_overwrite
from riskscreen.io.report_safe import clean_text

__all__ = [
    "FORMATS",
    "Letter",
    "letters_from",
    "questionnaires",
    "read_followup",
    "write_letters",
]

FORMATS = ("docx", "xlsx")
_FOLLOWUP_SHEET = "Follow-up"


class Letter:
    """One supplier's questionnaire: who, which rows, and the texts in one language."""

    def __init__(self, supplier: str, country: str, rows: pl.DataFrame, lang: str) -> None:
        self.supplier = supplier
        self.country = country
        self.rows = rows  # row_id, product, country, finding (this language)
        self.lang = lang
        order = {k: i for i, k in enumerate(finding_order())}
        keys = {k for cell in rows["finding_keys"] for k in str(cell).split("; ") if k}
        self.texts = followup_texts(sorted(keys, key=order.__getitem__), lang)

    def items(self, part: str) -> list[str]:
        """The numbered items of `questions` or `evidence`, without their numbers."""
        return [re.sub(r"^\d+\.\s*", "", line) for line in self.texts[part].splitlines() if line]


def read_followup(report: str | Path) -> pl.DataFrame:
    """The Follow-up sheet of a riskscreen workbook (row_id, supplier, country, product,
    finding_keys, …) as a frame."""
    path = Path(report)
    if path.suffix.lower() != ".xlsx":
        raise InputError(f"{path}: give the .xlsx workbook written by `riskscreen screen`")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        frame = pl.read_excel(path, sheet_name=_FOLLOWUP_SHEET, infer_schema_length=0)
    except Exception as exc:  # noqa: BLE001 — any reader failure means the same to the user
        raise InputError(
            f"{path}: no '{_FOLLOWUP_SHEET}' sheet could be read ({type(exc).__name__}); "
            "screen the supplier file again with this version of riskscreen"
        ) from None
    headers = {"Supplier": "supplier", "Country": "country", "Product": "product"}
    frame = frame.rename({k: v for k, v in headers.items() if k in frame.columns})
    need = ["row_id", "supplier", "country", "product", "finding_keys"]
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise InputError(
            f"{path}, sheet '{_FOLLOWUP_SHEET}': column(s) {missing} are missing; "
            "screen the supplier file again with this version of riskscreen"
        )
    return frame.with_columns(pl.col("row_id").cast(pl.Int64, strict=False))


def letters_from(followup: pl.DataFrame, lang: str = "en") -> list[Letter]:
    """Group the Follow-up rows by supplier (name and country): one letter each, in row order."""
    data = followup.with_columns(
        pl.col("supplier").fill_null("").cast(pl.String),
        pl.col("country").fill_null("").cast(pl.String),
        pl.col("product").fill_null("").cast(pl.String),
    ).sort("row_id", nulls_last=True)
    keys = data.select(
        pl.col("supplier").str.strip_chars().str.to_lowercase().alias("_s"),
        pl.col("country").str.strip_chars().str.to_lowercase().alias("_c"),
    )
    data = data.with_columns(keys)
    letters = []
    for (_, _), group in data.group_by(["_s", "_c"], maintain_order=True):
        first = group.row(0, named=True)
        labels = [
            "; ".join(phrase(f"finding_{k}", lang) for k in str(cell).split("; ") if k)
            for cell in group["finding_keys"]
        ]
        rows = group.select("row_id", "product", "country", "finding_keys").with_columns(
            pl.Series("finding", labels, dtype=pl.String)
        )
        letters.append(Letter(first["supplier"], first["country"], rows, lang))
    return letters


def _slug(text: str, limit: int = 50) -> str:
    """A file-name-safe ASCII slug (supplier names never reach the file system as typed)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].strip("-") or "supplier"


def write_letters(
    followup: pl.DataFrame,
    folder: str | Path,
    *,
    lang: str = "en",
    fmt: str = "docx",
    report: str | Path | None = None,
) -> list[Path]:
    """Write one questionnaire per flagged supplier into `folder`; return the paths.

    Files are named `row<first row_id>-<supplier slug>.<fmt>`; `report` (the workbook they
    come from) is never overwritten.
    """
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"unknown questionnaire format {fmt!r}; use one of {', '.join(FORMATS)}")
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; give a folder for the questionnaires")
    letters = letters_from(followup, lang)
    folder.mkdir(parents=True, exist_ok=True)
    writer = _write_docx if fmt == "docx" else _write_xlsx
    written: list[Path] = []
    try:
        for letter in letters:
            first = letter.rows["row_id"][0] or 0
            path = folder / f"row{first:05d}-{_slug(letter.supplier)}.{fmt}"
            refuse_input_overwrite(path, report)
            with atomic_output(path) as tmp:
                writer(letter, tmp)
            written.append(path)
    except BaseException:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written


def questionnaires(
    report: str | Path, folder: str | Path, *, lang: str = "en", fmt: str = "docx"
) -> list[Path]:
    """`riskscreen followup`: read a report's Follow-up sheet, write one questionnaire per
    flagged supplier into `folder`."""
    return write_letters(read_followup(report), folder, lang=lang, fmt=fmt, report=report)


def _row_table(letter: Letter) -> list[list[str]]:
    lang = letter.lang
    header = [phrase(f"col_{k}", lang) for k in ("row_id", "product")]
    header += [phrase("letter_country", lang), phrase("col_finding", lang)]
    body = [
        [str(r["row_id"]), r["product"] or "", r["country"] or "", r["finding"]]
        for r in letter.rows.iter_rows(named=True)
    ]
    return [header, *body]


def _write_docx(letter: Letter, path: Path) -> None:
    try:
        from docx import Document
        from docx.shared import Cm
    except ImportError:  # pragma: no cover — python-docx is a dependency
        raise InputError("writing .docx needs python-docx: pip install python-docx") from None
    lang = letter.lang
    doc = Document()
    doc.core_properties.title = phrase("letter_title", lang)
    doc.core_properties.author = "riskscreen"
    doc.add_heading(phrase("letter_title", lang), level=1)
    doc.add_paragraph(f"{phrase('letter_to', lang)}: {letter.supplier}")
    if letter.country:
        doc.add_paragraph(f"{phrase('letter_country', lang)}: {letter.country}")
    doc.add_paragraph(phrase("letter_intro", lang))
    doc.add_heading(phrase("letter_rows", lang), level=2)
    cells = _row_table(letter)
    table = doc.add_table(rows=len(cells), cols=len(cells[0]))
    table.style = "Table Grid"
    widths = [Cm(1.5), Cm(4), Cm(3), Cm(7.5)]
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            table.cell(i, j).text = value
            table.cell(i, j).width = widths[j]
    doc.add_heading(phrase("letter_why", lang), level=2)
    for label in letter.texts["finding"].split("; "):
        doc.add_paragraph(label, style="List Bullet")
    doc.add_heading(phrase("letter_questions", lang), level=2)
    for i, question in enumerate(letter.items("questions"), 1):
        doc.add_paragraph(f"{i}. {question}")
        doc.add_paragraph(f"{phrase('letter_answer', lang)} ____________________________")
    doc.add_heading(phrase("letter_evidence", lang), level=2)
    for i, item in enumerate(letter.items("evidence"), 1):
        doc.add_paragraph(f"{i}. {item}")
    doc.add_paragraph(phrase("letter_reply", lang))
    doc.add_heading(phrase("letter_sources", lang), level=2)
    for line in letter.texts["sources"].splitlines():
        doc.add_paragraph(line, style="List Bullet")
    doc.save(str(path))


def _write_xlsx(letter: Letter, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    lang = letter.lang
    wb = Workbook()
    ws = wb.active
    ws.title = "Questionnaire"
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 30
    ws.column_dimensions["D"].width = 40
    wrap = Alignment(wrap_text=True, vertical="top")

    def put(values: list[str], bold: bool = False) -> None:
        ws.append([clean_text(v) for v in values])
        for cell in ws[ws.max_row]:
            cell.alignment = wrap
            cell.data_type = "s"  # never a formula, whatever the text starts with
            if bold:
                cell.font = Font(bold=True)

    put(["", phrase("letter_title", lang)], bold=True)
    put(["", f"{phrase('letter_to', lang)}: {letter.supplier}", letter.country])
    put(["", phrase("letter_intro", lang)])
    put(["", phrase("letter_rows", lang)], bold=True)
    for row in _row_table(letter):
        put(row)
    put(["", phrase("letter_why", lang)], bold=True)
    for label in letter.texts["finding"].split("; "):
        put(["", label])
    put(["", phrase("letter_questions", lang), phrase("letter_answer", lang)], bold=True)
    for i, question in enumerate(letter.items("questions"), 1):
        put([str(i), question, ""])
    put(["", phrase("letter_evidence", lang)], bold=True)
    for i, item in enumerate(letter.items("evidence"), 1):
        put([str(i), item])
    put(["", phrase("letter_reply", lang)])
    put(["", phrase("letter_sources", lang)], bold=True)
    for line in letter.texts["sources"].splitlines():
        put(["", line])
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    wb.save(str(path))

