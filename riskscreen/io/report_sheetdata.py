"""Serialise a data sheet's rows to SpreadsheetML `<sheetData>` XML, vectorised with polars.

openpyxl's cell-by-cell writer costs ~15 µs per cell (70 s for 100,000 rows × 45 columns), so
the big sheets are built as XML strings column-wise in polars and spliced into the workbook
that openpyxl writes (see `report_zip`). Every string is an inline string cell (`t="inlineStr"`)
— never a formula — and text starting with a formula trigger gets a quote-prefix style.
Hyperlinks (http/https only) are emitted as `<hyperlinks>` plus the sheet's relationships.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import polars as pl
from openpyxl.utils import get_column_letter

from riskscreen.colnames import col as literal
from riskscreen.io.report_layout import ColumnSpec
from riskscreen.io.report_safe import clean_text, is_formula_like, is_formula_like_expr
from riskscreen.io.report_styles import Palette

__all__ = ["SheetBody", "build_sheet_body", "row_heights"]

CHUNK_ROWS = 10_000
_HEIGHT = "__row_height"
# Wrapped text: characters per unit of column width (Calibri 11), points per line, and the
# tallest row Excel allows (409 pt). Rows get one spare line: the estimate is rough.
_CHARS_PER_WIDTH = 1.2
_LINE_POINTS = 15.0
_MAX_LINES = 27
_LINK_RE = r"^https?://[^\s\"<>\\^`{|}]+$"
_MAX_URL = 2079
# Excel keeps at most 65,530 hyperlinks per sheet; later URLs stay as plain text.
MAX_LINKS = 65_000
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass
class SheetBody:
    """Everything the zip writer splices into one worksheet part."""

    frame: pl.DataFrame  # writable columns, in sheet order, rows in sheet order
    header_xml: str
    row_exprs: list[pl.Expr]
    link_columns: list[tuple[str, str]] = field(default_factory=list)  # (column, letter)
    urls: list[str] = field(default_factory=list)  # distinct link targets, rel order

    @property
    def last_cell(self) -> str:
        """Bottom-right cell reference (for the autofilter)."""
        return f"{get_column_letter(max(1, len(self.row_exprs)))}{self.frame.height + 1}"

    def sheet_data(self) -> Iterator[bytes]:
        """`<sheetData>` element in chunks (bounded memory for large frames)."""
        yield b"<sheetData>"
        yield self.header_xml.encode("utf-8")
        for start in range(0, self.frame.height, CHUNK_ROWS):
            part = self.frame.slice(start, CHUNK_ROWS)
            rowno = (pl.int_range(pl.len(), dtype=pl.Int64) + (start + 2)).cast(pl.String)
            cells = [expr(rowno) for expr in self.row_exprs]
            height = pl.lit("")
            if _HEIGHT in part.columns:
                height = pl.concat_str(
                    [pl.lit(' ht="'), pl.col(_HEIGHT), pl.lit('" customHeight="1"')]
                ).fill_null("")
            xml = part.select(
                pl.concat_str(
                    [pl.lit('<row r="'), rowno, pl.lit('"'), height, pl.lit(">"), *cells,
                     pl.lit("</row>")]
                ).alias("x")
            )["x"]
            yield b"".join(xml.cast(pl.Binary).to_list())  # bytes: no Python str round trip
        yield b"</sheetData>"

    def hyperlinks(self) -> Iterator[bytes]:
        """`<hyperlinks>` element, or nothing when the sheet has no valid links."""
        if not self.urls:
            return
        rid = {url: f"rIdH{i}" for i, url in enumerate(self.urls, 1)}
        yield f'<hyperlinks xmlns:r="{_REL_NS}">'.encode()
        for name, letter in self.link_columns:
            refs = self.frame.select(
                pl.concat_str(
                    [
                        pl.lit(f'<hyperlink ref="{letter}'),
                        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).cast(pl.String),
                        pl.lit('" r:id="'),
                        literal(name).replace_strict(rid, default=None, return_dtype=pl.String),
                        pl.lit('"/>'),
                    ]
                ).alias("x")
            )["x"].drop_nulls()
            for start in range(0, len(refs), CHUNK_ROWS * 5):
                yield b"".join(refs.slice(start, CHUNK_ROWS * 5).cast(pl.Binary).to_list())
        yield b"</hyperlinks>"

    def relationships(self) -> bytes | None:
        """The sheet's `.rels` part declaring each distinct hyperlink target."""
        if not self.urls:
            return None
        rels = "".join(
            f'<Relationship Id="rIdH{i}" Type="{_REL_NS}/hyperlink" '
            f'Target={quoteattr(url)} TargetMode="External"/>'
            for i, url in enumerate(self.urls, 1)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL_NS}">{rels}</Relationships>'
        ).encode()


_OOXML_ESCAPE = r"_x([0-9A-Fa-f]{4})_"


def _xml_text(expr: pl.Expr, ooxml_escape: bool) -> pl.Expr:
    """Escape text for element content.

    CR becomes a character reference (XML parsers would turn a literal CR into LF). With
    `ooxml_escape` (only for columns that contain such text: regexes are costly), a literal
    "_xHHHH_" gets its underscore escaped as "_x005F_", else Excel would decode it as the
    character U+HHHH; two passes catch overlapping runs ("_x0041_x0042_"), and the marker
    U+0001 cannot occur in cleaned text.
    """
    if ooxml_escape:
        for _ in range(2):
            expr = expr.str.replace_all(_OOXML_ESCAPE, "\x01x${1}_")
        expr = expr.str.replace_all("\x01", "_x005F_", literal=True)
    return expr.str.replace_many(["&", "<", ">", "\r"], ["&amp;", "&lt;", "&gt;", "&#13;"])


def _s(style: int) -> str:
    return f' s="{style}"' if style else ""


def _text_cell(
    name: str,
    letter: str,
    base: pl.Expr,
    safe: int,
    valid_link: pl.Expr | None,
    ooxml_escape: bool,
):
    col = literal(name)

    def build(rowno: pl.Expr) -> pl.Expr:
        style = base
        if valid_link is not None:
            style = pl.when(valid_link).then(style).otherwise(pl.lit(""))
        style = pl.when(is_formula_like_expr(col)).then(pl.lit(_s(safe))).otherwise(style)
        space = (
            pl.when(col.str.contains(r"^\s|\s$"))
            .then(pl.lit(' xml:space="preserve"'))
            .otherwise(pl.lit(""))
        )
        cell = pl.concat_str(
            [
                pl.lit(f'<c r="{letter}'),
                rowno,
                pl.lit('"'),
                style,
                pl.lit(' t="inlineStr"><is><t'),
                space,
                pl.lit(">"),
                _xml_text(col, ooxml_escape),
                pl.lit("</t></is></c>"),
            ]
        )
        return pl.when(col.is_null() | (col == "")).then(pl.lit("")).otherwise(cell)

    return build


def _number_cell(name: str, letter: str, style: int):
    col = literal(name)

    def build(rowno: pl.Expr) -> pl.Expr:
        return pl.concat_str(
            [
                pl.lit(f'<c r="{letter}'),
                rowno,
                pl.lit(f'"{_s(style)}><v>'),
                col.cast(pl.String),
                pl.lit("</v></c>"),
            ]
        ).fill_null("")

    return build


def _bool_cell(name: str, letter: str, style: int = 0):
    col = literal(name)

    def build(rowno: pl.Expr) -> pl.Expr:
        value = col.cast(pl.Int8).cast(pl.String)
        return pl.concat_str(
            [pl.lit(f'<c r="{letter}'), rowno, pl.lit(f'"{_s(style)} t="b"><v>'), value,
             pl.lit("</v></c>")]
        ).fill_null("")

    return build


def _header_xml(specs: Sequence[ColumnSpec], palette: Palette,
                widths: Sequence[float] | None = None) -> str:
    plain, quoted = palette.style_id(header=True), palette.style_id(header=True, quote=True)
    cells = []
    for i, spec in enumerate(specs, 1):
        text = clean_text(spec.header)
        style = quoted if is_formula_like(text) else plain
        space = ' xml:space="preserve"' if text != text.strip() else ""
        body = escape(re.sub(r"_(?=x[0-9A-Fa-f]{4}_)", "_x005F_", text)).replace("\r", "&#13;")
        cells.append(
            f'<c r="{get_column_letter(i)}1"{_s(style)} t="inlineStr"><is><t{space}>{body}'
            "</t></is></c>"
        )
    # A header that wraps needs a row tall enough, or LibreOffice draws it over row 2.
    lines = 1
    if widths:
        lines = max(
            math.ceil(len(s.header) / max(1.0, w * _CHARS_PER_WIDTH - 2))
            for s, w in zip(specs, widths, strict=True)
        )
    height = f' ht="{min(lines, _MAX_LINES) * _LINE_POINTS:g}" customHeight="1"' \
        if lines > 1 else ""
    return f'<row r="1"{height}>' + "".join(cells) + "</row>"


def row_heights(
    frame: pl.DataFrame, specs: Sequence[ColumnSpec], widths: Sequence[float]
) -> pl.Series | None:
    """Row height in points for rows whose wrapped cells need more than one line,
    else null; None when no column wraps. Spreadsheet programs do not grow a row to fit
    wrapped text written this way, so the height is estimated from the text and width.
    Each distinct text is measured once (follow-up texts repeat across rows; splitting every
    row's text into lines cost memory per row)."""
    lines = []
    for spec, width in zip(specs, widths, strict=True):
        if not (spec.wrap and spec.kind == "text" and spec.name in frame.columns):
            continue
        text = frame.get_column(spec.name).rename("t").to_frame()
        distinct = text.unique().with_columns(
            pl.col("t")
            .str.split("\n")
            .list.eval((pl.element().str.len_chars() / (width * _CHARS_PER_WIDTH)).ceil().clip(1))
            .list.sum()
            .alias("n")
        )
        joined = text.join(distinct, on="t", how="left", nulls_equal=True, maintain_order="left")
        lines.append(joined.get_column("n").rename(f"n{len(lines)}"))
    if not lines:
        return None
    most = pl.DataFrame(lines).select(pl.max_horizontal(pl.all()).fill_null(1)).to_series()
    return (
        pl.select(
            pl.when(most > 1)
            .then((pl.min_horizontal(most + 1, _MAX_LINES) * _LINE_POINTS).round(1)
                  .cast(pl.String))
            .otherwise(None)
        )
        .to_series()
    )


def build_sheet_body(
    frame: pl.DataFrame,
    specs: Sequence[ColumnSpec],
    palette: Palette,
    widths: Sequence[float] | None = None,
) -> SheetBody:
    """Prepare the XML builders for `frame` (already writable, sorted) shown with `specs`;
    with `widths`, rows holding wrapped text get a height that shows it."""
    heights = row_heights(frame, specs, widths) if widths is not None else None
    frame = frame.select([s.name for s in specs])
    if heights is not None:
        frame = frame.with_columns(heights.alias(_HEIGHT))
    exprs = []
    link_columns: list[tuple[str, str]] = []
    urls: set[str] = set()
    safe_text = palette.style_id(quote=True)
    texts = [s.name for s in specs if s.kind == "text"]
    escape_cols: set[str] = set()
    if texts and frame.height:
        found = frame.select(pl.col(n).str.contains(_OOXML_ESCAPE).any() for n in texts).row(0)
        escape_cols = {n for n, hit in zip(texts, found, strict=True) if hit}
    for i, spec in enumerate(specs, 1):
        letter = get_column_letter(i)
        if spec.kind == "number":
            look = {"number_format": spec.number_format,
                    **({"wrap": True} if spec.wrap else {"top": True})}
            exprs.append(_number_cell(spec.name, letter, palette.style_id(**look)))
        elif spec.kind == "bool":
            # LibreOffice shows a General-format boolean as 1/0: spell it out
            exprs.append(_bool_cell(spec.name, letter, palette.style_id(
                number_format='"TRUE";"TRUE";"FALSE"', top=True, center=True)))
        elif spec.style == "tier":
            wrap = {"wrap": True} if spec.wrap else {"top": True}
            mapping = {
                t.tier: _s(palette.style_id(**palette.tier_look(t), **wrap)) for t in palette.tiers
            }
            base = (
                pl.col(spec.name)
                .str.strip_chars()
                .str.to_lowercase()
                .replace_strict(mapping, default="", return_dtype=pl.String)
            )
            exprs.append(
                _text_cell(spec.name, letter, base, safe_text, None, spec.name in escape_cols)
            )
        elif spec.style == "link":
            col, target = pl.col(spec.name), f"__link_{i}"
            valid = col.str.contains(_LINK_RE) & (col.str.len_chars() <= _MAX_URL)
            budget = max(0, MAX_LINKS - sum(frame[c].count() for c, _ in link_columns))
            frame = frame.with_columns(
                pl.when(valid & (valid.fill_null(False).cum_sum() <= budget))
                .then(col)
                .otherwise(pl.lit(None, pl.String))
                .alias(target)
            )
            link_style = pl.lit(_s(palette.style_id(link=True, top=True)))
            linked = pl.col(target).is_not_null()
            exprs.append(
                _text_cell(
                    spec.name, letter, link_style, safe_text, linked, spec.name in escape_cols
                )
            )
            link_columns.append((target, letter))
            urls.update(frame[target].drop_nulls().unique().to_list())
        else:
            base = pl.lit(_s(palette.style_id(wrap=True) if spec.wrap
                             else palette.style_id(top=True)))
            exprs.append(
                _text_cell(spec.name, letter, base, safe_text, None, spec.name in escape_cols)
            )
    return SheetBody(frame, _header_xml(specs, palette, widths), exprs, link_columns, sorted(urls))
