"""The example report prints: LibreOffice renders it to PDF on a handful of pages, with the
reasons readable (issue 19: the Flagged sheet printed on 238 pages before)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) or poppler-utils (pdftotext) not installed",
)


def _pdf(xlsx, tmp_path):
    profile = (tmp_path / "lo-profile").as_uri()
    out = tmp_path / "pdf"
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(xlsx)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    pdf = out / f"{xlsx.stem}.pdf"
    assert result.returncode == 0 and pdf.is_file(), result.stderr
    return pdf


def _pages(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _only(book_path, sheet, tmp_path):
    """A copy of the workbook holding one sheet, with its print settings."""
    from openpyxl import load_workbook

    wb = load_workbook(book_path)
    for name in wb.sheetnames:
        if name != sheet:
            del wb[name]
    path = tmp_path / f"{sheet.replace(' ', '_')}.xlsx"
    wb.save(path)
    return path


def test_flagged_sheet_prints_on_a_handful_of_pages_with_its_reasons(repo_root, tmp_path):
    import polars as pl

    report = repo_root / "examples" / "suppliers_report.xlsx"
    flagged = pl.read_excel(report, sheet_name="Flagged")
    pages = _pages(_pdf(_only(report, "Flagged", tmp_path), tmp_path))
    assert 1 <= len(pages) <= 8, f"Flagged printed on {len(pages)} pages"
    text = " ".join(" ".join(p.split()) for p in pages)
    assert text.count("reasons") == len(pages)  # the header row repeats on every page
    # every flagged supplier's first reason can be read (its opening words, wrapped lines
    # joined), and every supplier name is printed
    for name, reason in flagged.select("Vendor name", "reasons").iter_rows():
        assert name.split()[0] in text, name
        assert " ".join(reason.split()[:3]) in text, reason


@pytest.mark.parametrize(("sheet", "most"), [("All suppliers", 16), ("Needs review", 3)])
def test_other_data_sheets_print_compactly(repo_root, tmp_path, sheet, most):
    report = repo_root / "examples" / "suppliers_report.xlsx"
    pages = _pages(_pdf(_only(report, sheet, tmp_path), tmp_path))
    assert 1 <= len(pages) <= most, f"{sheet} printed on {len(pages)} pages"


def test_the_printed_report_opens_with_the_read_me(repo_root, tmp_path):
    pages = _pages(_pdf(repo_root / "examples" / "suppliers_report.xlsx", tmp_path))
    first = " ".join(pages[0].split())
    assert first.startswith("Read me: how to read this report")
    assert "A clean result is not a clearance" in first
