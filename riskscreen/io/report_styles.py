"""Cell styles for the report, registered once in the workbook and referred to by style id.

The data sheets are serialised by `report_sheetdata` (fast, vectorised), which only needs the
numeric style index of each look; openpyxl owns the stylesheet itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from riskscreen.tiers import Tier

__all__ = ["Palette", "HEADER_FILL", "print_setup"]

HEADER_FILL = "DDEBF7"


class Palette:
    """Style ids by look; the same look always gets the same id (deterministic output)."""

    def __init__(self, sheet: WriteOnlyWorksheet, tiers: Sequence[Tier]) -> None:
        self._sheet = sheet
        self._cache: dict[tuple, int] = {}
        self.tiers = list(tiers)

    def cell(
        self,
        *,
        number_format: str = "",
        bold: bool = False,
        fill: str | None = None,
        font_colour: str | None = None,
        quote: bool = False,
        link: bool = False,
        header: bool = False,
        wrap: bool = False,
        top: bool = False,
        center: bool = False,
    ) -> WriteOnlyCell:
        """A fresh write-only cell carrying this look (for openpyxl-written sheets)."""
        cell = WriteOnlyCell(self._sheet)
        if link:
            cell.style = "Hyperlink"
        if header:
            bold, fill = True, fill or HEADER_FILL
            cell.border = Border(bottom=Side(style="thin", color="808080"))
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        elif wrap:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        elif top:
            cell.alignment = Alignment(vertical="top", horizontal="center" if center else None)
        if bold or font_colour:
            cell.font = Font(name="Calibri", family=2, size=11, bold=bold, color=font_colour)
        if fill:
            cell.fill = PatternFill(fill_type="solid", start_color=fill, end_color=fill)
        if number_format:
            cell.number_format = number_format
        if quote:
            cell.quotePrefix = True
        return cell

    def style_id(self, **look: object) -> int:
        """Index into the workbook's cellXfs for this look (0 = default)."""
        key = tuple(sorted(look.items()))
        if key not in self._cache:
            self._cache[key] = self.cell(**look).style_id if look else 0  # type: ignore[arg-type]
        return self._cache[key]

    def tier_look(self, tier: Tier) -> dict[str, object]:
        """Look of a tier cell: the tier's fill and font colour, bold."""
        return {"fill": tier.fill, "font_colour": tier.font, "bold": True}


def print_setup(
    sheet: WriteOnlyWorksheet, *, landscape: bool, fit_width: bool, repeat_header: bool = False,
    area: str | None = None,
) -> None:
    """Page setup so the sheet prints (or converts to PDF) readably: orientation, fit to one
    page wide, the header row repeated on every page, and the print area (e.g. "A1:L160")."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.print_options.gridLines = True
    if area:
        sheet.print_area = area
    if fit_width:
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
    if repeat_header:
        sheet.print_title_rows = "1:1"
