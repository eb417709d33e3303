"""Render the first printed page of the example report's Flagged and Summary sheets to PNG.

    python docs/render_report_pages.py      # needs LibreOffice (soffice) and poppler-utils

Writes docs/report_flagged.png and docs/report_summary.png (shown in the README): the workbook
as LibreOffice prints it, so what the README shows is what a printer gives.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent
REPORT = DOCS.parent / "examples" / "suppliers_report.xlsx"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(out), str(REPORT)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        pdf = out / f"{REPORT.stem}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout.split("\f")
        starts = {
            "flagged": next(i for i, p in enumerate(text, 1) if "reasons" in p.split("\n")[0]),
            "summary": next(i for i, p in enumerate(text, 1) if p.lstrip().startswith("Summary")),
        }
        for name, page in starts.items():
            target = DOCS / f"report_{name}"
            subprocess.run(["pdftoppm", "-png", "-r", "110", "-singlefile", "-f", str(page),
                            "-l", str(page), str(pdf), str(target)], check=True)
            print(f"wrote {target}.png (page {page})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
