"""The one place that knows DOCX: a Word document from the HTML our templates produce.

The HTML is the layout source for HTML, PDF and DOCX alike, so the three never drift apart. This builder
understands the small vocabulary of templates/_parts (anything else degrades to plain paragraphs):

| HTML | DOCX |
|---|---|
| `<h1>` | centred bold title, 12 pt |
| `<h2>` | bold paragraph |
| `<p class="right / center">` | right / centred alignment |
| `<p class="gap / para / indent-N">` | space before, 1-em first-line indent, N-em left indent |
| `<p class="item hang-N"><span class="label">` | the label, a tab, and the text hanging N half-ems in |
| `<p class="lead">`, `<h2>` | kept on the page of what follows (a table's caption, a heading) |
| `<span class="nobr">` | never broken: U+2060 WORD JOINER between its characters, no-break spaces (see below) |
| `<div class="contact">` | a one-cell bordered box, 22 em wide, at the right margin (担当・電話・e-mail) |
| `<table class="grid">`, `<th>`, `<td class="num / month">` | a bordered table, bold headers, right / centred cells |
| `<br>`, `<strong>` | a line break, a bold run |

Print marks (item, hang-N, lead, keep, nobr) come from council.documents.layout. Tables are sized as a browser sizes an
auto-layout table (council.documents.table_widths), written with fixed column widths; header rows (<thead>) repeat
on every page, no row splits across pages, and a short table (`keep`) is kept on one page (keep-with-next).

Japanese text needs the East Asian font named explicitly (`w:rFonts w:eastAsia`) and `w:lang w:eastAsia="ja-JP"`,
on the styles and on every run: Word otherwise picks a Western font and Latin line breaking. The font is ＭＳ 明朝,
as Word on Japanese Windows expects; its font-table entry names the Mincho fallbacks (w:altName, comma-separated) for
readers without it. LibreOffice ignores w:altName and asks fontconfig, which maps ＭＳ 明朝 to IPA明朝 or Noto Serif
CJK JP but, with only IPAex fonts installed, to a Gothic face: see council.documents.printing.MINCHO_FONTCONFIG.
Automatic spacing between Japanese and Latin text is off, as in the PDF.

LibreOffice breaks text whose East Asian language is Japanese anywhere but at its kinsoku characters, ignoring word
joiners (its Japanese break iterator does not use the Unicode line-breaking rules); so a no-break run's East Asian
language is `x-none` (no language, as Word writes it), which LibreOffice breaks by the Unicode rules — and those
never break at a word joiner. The characters keep the Japanese font. Text reaches the XML through python-docx,
which escapes it, and control characters (which XML 1.0 forbids) are dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.oxml import serialize_part_xml
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Length, Mm, Pt, Twips
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from council.documents.layout import (
    HANG_PREFIX,
    ITEM_CLASS,
    KEEP_CLASS,
    LABEL_CLASS,
    LEAD_CLASS,
    NO_BREAK_CLASS,
    text_width,
)
from council.documents.table_widths import Extent, cell_extent, column_widths
from council.zipfiles import reproducible

# python-docx stamps the wall clock into the core properties otherwise (it writes naive UTC: drop the zone)
DOCUMENT_STAMP = datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None)
EAST_ASIAN_FONT = "ＭＳ 明朝"  # present on every Japanese Windows
LATIN_FONT = "ＭＳ 明朝"
# For readers without ＭＳ 明朝: its English name, then the free Mincho faces (IPAex明朝, IPA明朝, Noto Serif CJK JP).
MINCHO_FALLBACKS = ("MS Mincho", "IPAex明朝", "IPAexMincho", "IPA明朝", "IPAMincho", "Noto Serif CJK JP")
MINCHO_PANOSE = "02020609040205080304"  # ＭＳ 明朝's: a serif (明朝) face, for Word's substitution of a missing font
LANGUAGE = "ja-JP"
LATIN_LANGUAGE = "en-US"
NO_BREAK_LANGUAGE = "x-none"  # a no-break run's East Asian language: see the module's docstring
THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
BODY_SIZE = Pt(10.5)
TITLE_SIZE = Pt(12)
EM = BODY_SIZE
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(25), Mm(20), Mm(25), Mm(20)
TEXT_WIDTH = Length(PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT)
CELL_PADDING_EMS = 1.1  # Table Grid's cell margins (2 × 108 twips) and a little room, in ems of 10.5 pt
CONTACT_WIDTH_EMS = 23.6  # a4.css: .contact 22 em wide plus 0.8 em padding each side
FIXED_COLUMN_EMS = {"month": 3.0, "num": 4.0}  # a4.css: td.month / td.num widths
CELL_PADDING_VERTICAL = Pt(2)  # a4.css: grid cells padded 0.15 em above and below, and lines 1.5 high
CELL_MARGIN_SIDE = Twips(108)  # Table Grid's left and right cell margins
WORD_JOINER = "\u2060"
NO_BREAK_SPACE = "\u00a0"
VOID_TAGS = frozenset({"br", "meta", "link", "img", "hr", "col"})
SKIPPED_TAGS = frozenset({"head", "style", "script", "title"})
CONTAINER_TAGS = frozenset({"html", "body", "div", "section", "header", "footer", "main", "article", "thead", "tbody"})
_ASCII_SPACES = re.compile(r"[ \t\r\n\f]+")
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INDENT = re.compile(r"^indent-(\d)$")
_HANG = re.compile(rf"^{HANG_PREFIX}(\d{{1,2}})$")
# <w:pPr> children in schema order, from those that may precede autoSpaceDE (python-docx does not know it).
_PPR_AFTER_AUTOSPACE = (
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


@dataclass
class Element:
    tag: str
    classes: frozenset[str]
    children: list[Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """Our HTML into a tree of Elements (text unescaped by the parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root", frozenset())
        self._stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = frozenset(next((value or "" for name, value in attrs if name == "class"), "").split())
        element = Element(tag, classes)
        self._stack[-1].children.append(element)
        if tag not in VOID_TAGS:
            self._stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, 0, -1):
            if self._stack[depth].tag == tag:
                del self._stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._stack[-1].children.append(data)


def parse_html(html: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def build_docx(html: str, *, title: str) -> bytes:
    """A4 portrait DOCX of a document rendered by our HTML templates."""
    document = docx.Document()
    _set_up(document, title)
    container = _Container(document, TEXT_WIDTH)
    for child in parse_html(html).children:
        _block(child, container)
    properties = document.core_properties
    properties.created = properties.modified = DOCUMENT_STAMP  # no wall clock: equal content, equal bytes
    properties.last_modified_by = properties.author = "council-cycle"
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return reproducible(buffer.getvalue())


class _Container:
    """The document body or a table cell: where the next paragraph or table goes."""

    def __init__(self, target: DocxDocument | _Cell, width: Length) -> None:
        self.target = target
        self.width = width  # what a table placed here may span
        # A new cell already holds one empty paragraph; use it for the first one instead of leaving a blank line.
        self._spare: Paragraph | None = target.paragraphs[0] if isinstance(target, _Cell) else None

    def paragraph(self) -> Paragraph:
        if self._spare is not None:
            spare, self._spare = self._spare, None
            return spare
        return self.target.add_paragraph()


def _set_up(document: DocxDocument, title: str) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    for style_name in ("Normal", "Table Grid"):
        style = document.styles[style_name]
        style.font.name = LATIN_FONT
        if style_name == "Normal":
            style.font.size = BODY_SIZE
            style.paragraph_format.space_after = Pt(0)
            style.paragraph_format.space_before = Pt(0)
            _no_auto_spacing(style.element.get_or_add_pPr())
        _east_asian(style.element.get_or_add_rPr())
    _east_asian(_defaults_rpr(document))
    _name_mincho_fallbacks(document)
    properties = document.core_properties
    properties.title = _clean(title)
    properties.language = LANGUAGE
    properties.author = ""
    properties.comments = ""


def _no_auto_spacing(ppr: BaseOxmlElement) -> None:
    """<w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>: Word adds no space between Japanese and Latin letters or
    digits, as WeasyPrint adds none (LibreOffice ignores the setting and spaces them, except inside no-break runs)."""
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):
        element = ppr.find(qn(name))
        if element is None:
            element = OxmlElement(name)
            successor = next((ppr.find(qn(tag)) for tag in _PPR_AFTER_AUTOSPACE if ppr.find(qn(tag)) is not None), None)
            if successor is not None:
                successor.addprevious(element)
            else:
                ppr.append(element)
        element.set(qn("w:val"), "0")


def _name_mincho_fallbacks(document: DocxDocument) -> None:
    """The font table's ＭＳ 明朝 entry: a Japanese (charset 80) serif, its PANOSE, and the fallback chain."""
    part = next(
        (rel.target_part for rel in document.part.rels.values() if rel.reltype == RELATIONSHIP_TYPE.FONT_TABLE), None
    )
    if not isinstance(part, Part):
        return
    fonts = parse_xml(part.blob)
    entry = next((font for font in fonts.iterfind(qn("w:font")) if font.get(qn("w:name")) == EAST_ASIAN_FONT), None)
    if entry is None:
        entry = OxmlElement("w:font")
        entry.set(qn("w:name"), EAST_ASIAN_FONT)
        fonts.append(entry)
    for child in list(entry):
        entry.remove(child)
    for tag, value in (
        ("w:altName", ",".join(MINCHO_FALLBACKS)),
        ("w:panose1", MINCHO_PANOSE),
        ("w:charset", "80"),
        ("w:family", "roman"),
        ("w:pitch", "fixed"),
    ):
        child = OxmlElement(tag)
        child.set(qn("w:val"), value)
        entry.append(child)
    part._blob = serialize_part_xml(fonts)  # a generic part: python-docx keeps only its bytes


def _defaults_rpr(document: DocxDocument) -> BaseOxmlElement:
    """<w:docDefaults><w:rPrDefault><w:rPr> of styles.xml, created when missing."""
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr: BaseOxmlElement | None = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    return rpr


def _east_asian(rpr: BaseOxmlElement, *, language: str = LANGUAGE) -> None:
    """Name the East Asian font and language on a run or style: <w:rFonts w:eastAsia=…/>, <w:lang w:eastAsia=…/>."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    # A theme font (w:eastAsiaTheme …, as in python-docx's default template) would win over the named one.
    for attribute in THEME_FONT_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), LATIN_LANGUAGE)  # what a Japanese Word writes: Latin text checked as English
    lang.set(qn("w:eastAsia"), language)


def _clean(text: str) -> str:
    return _XML_FORBIDDEN.sub("", text)


def _block(node: Element | str, container: _Container) -> None:
    if isinstance(node, str):
        if _ASCII_SPACES.sub("", node):
            _paragraph(Element("p", frozenset(), [node]), container)
        return
    if node.tag in SKIPPED_TAGS:
        return
    if node.tag == "div" and "contact" in node.classes:
        _contact_box(node, container)
    elif node.tag == "table":
        _table(node, container)
    elif node.tag in CONTAINER_TAGS or node.tag in ("ul", "ol"):
        for child in node.children:
            _block(child, container)
    else:  # p, h1, h2, li and anything unexpected: one paragraph
        _paragraph(node, container)


def _class_number(node: Element, pattern: re.Pattern[str]) -> int:
    return next((int(match.group(1)) for css in node.classes if (match := pattern.match(css))), 0)


def _paragraph(node: Element, container: _Container) -> Paragraph:
    paragraph = container.paragraph()
    fmt = paragraph.paragraph_format
    if node.tag == "h1":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.space_before, fmt.space_after = Pt(18), Pt(18)
    elif node.tag in ("h2", "h3"):
        fmt.space_before, fmt.space_after = EM, Pt(3)
    if node.tag in ("h1", "h2", "h3") or LEAD_CLASS in node.classes:
        fmt.keep_with_next = True
    if "right" in node.classes:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif "center" in node.classes:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if "gap" in node.classes:
        fmt.space_before = EM
    if "para" in node.classes:
        fmt.first_line_indent = EM
    indent = EM * _class_number(node, _INDENT)
    hang = Length(EM * _class_number(node, _HANG) // 2) if ITEM_CLASS in node.classes else Length(0)
    if hang:
        # The label, a tab to the text's position, and continuation lines under the text (a hanging indent).
        fmt.left_indent = Length(indent + hang)
        fmt.first_line_indent = Length(-hang)
        fmt.tab_stops.add_tab_stop(Length(indent + hang))
    elif indent:
        fmt.left_indent = Length(indent)
    bold = node.tag in ("h1", "h2", "h3", "th")
    size = TITLE_SIZE if node.tag == "h1" else None
    pieces = _inline(node, bold=bold)
    _trim(pieces)
    if hang and len(pieces) > 1 and pieces[1].kind == "tab" and text_width(pieces[0].text) * EM >= hang:
        # A label as wide as its hang ("※", "①", "（1）") is followed by its text directly: a tab there would jump
        # to the next default tab stop.
        del pieces[1]
    for piece in pieces:
        run = paragraph.add_run()
        if piece.kind == "break":
            run.add_break()
            continue
        if piece.kind == "tab":
            run.add_tab()
        else:
            run.text = piece.text
        run.bold = piece.bold or None
        if size is not None:
            run.font.size = size
        _east_asian(run._r.get_or_add_rPr(), language=NO_BREAK_LANGUAGE if piece.no_break else LANGUAGE)
    return paragraph


@dataclass
class Piece:
    text: str
    bold: bool
    kind: str = "text"  # "text", "break" (<br>) or "tab" (after an item's label)
    no_break: bool = False


def _inline(node: Element, *, bold: bool) -> list[Piece]:
    pieces: list[Piece] = []
    for child in node.children:
        if isinstance(child, str):
            text = _clean(_ASCII_SPACES.sub(" ", child))
            if text:
                pieces.append(Piece(text, bold))
        elif child.tag == "br":
            pieces.append(Piece("", bold, "break"))
        elif child.tag == "span" and NO_BREAK_CLASS in child.classes:
            # Word and LibreOffice never break at a word joiner, nor at a no-break space.
            text = "".join(piece.text for piece in _inline(child, bold=bold) if piece.kind == "text")
            pieces.append(Piece(WORD_JOINER.join(text.replace(" ", NO_BREAK_SPACE)), bold, no_break=True))
        elif child.tag == "span" and LABEL_CLASS in child.classes:
            pieces.extend(_inline(child, bold=bold))
            pieces.append(Piece("", bold, "tab"))  # dropped by _paragraph when the label fills its hang
        elif child.tag not in SKIPPED_TAGS:
            pieces.extend(_inline(child, bold=bold or child.tag in ("strong", "b")))
    return pieces


def _trim(pieces: list[Piece]) -> None:
    """Drop the spaces that template line breaks leave at the edges of a paragraph."""
    while pieces and pieces[0].kind == "text" and not pieces[0].text.strip(" "):
        pieces.pop(0)
    while pieces and pieces[-1].kind == "text" and not pieces[-1].text.strip(" "):
        pieces.pop()
    if pieces and pieces[0].kind == "text":
        pieces[0].text = pieces[0].text.lstrip(" ")
    if pieces and pieces[-1].kind == "text":
        pieces[-1].text = pieces[-1].text.rstrip(" ")


def _rows(node: Element, *, header: bool = False) -> list[tuple[Element, bool]]:
    """The table's rows, each with whether it is a header row (inside <thead>)."""
    rows: list[tuple[Element, bool]] = []
    for child in node.children:
        if isinstance(child, Element):
            if child.tag == "tr":
                rows.append((child, header))
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows.extend(_rows(child, header=child.tag == "thead"))
    return rows


def _cells(row: Element) -> list[Element]:
    return [child for child in row.children if isinstance(child, Element) and child.tag in ("th", "td")]


def _cell_lines(node: Element) -> list[list[tuple[str, bool]]]:
    """A cell's text as lines (split at <br>) of segments (text, whether it may not break)."""
    lines: list[list[tuple[str, bool]]] = [[]]
    for piece in _inline(node, bold=False):
        if piece.kind == "break":
            lines.append([])
        elif piece.kind == "text":
            lines[-1].append((piece.text.replace(WORD_JOINER, ""), piece.no_break))
        else:
            lines[-1].append(("　", True))  # a label's tab: about one em
    return lines


def _fixed_columns(rows: Sequence[tuple[Element, bool]]) -> dict[int, float]:
    fixed: dict[int, float] = {}
    for row, _ in rows:
        for index, cell in enumerate(_cells(row)):
            for css, width in FIXED_COLUMN_EMS.items():
                if css in cell.classes:
                    fixed[index] = width
    return fixed


def _table(node: Element, container: _Container) -> None:
    rows = _rows(node)
    width = max((len(_cells(row)) for row, _ in rows), default=0)
    if not rows or width == 0:
        return
    extents = [[cell_extent(_cell_lines(cell)) for cell in _cells(row)] for row, _ in rows]
    widths = _widths(extents, container.width, fixed=_fixed_columns(rows))
    table = container.target.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    _fix_widths(table, widths)
    _cell_margins(table, vertical=CELL_PADDING_VERTICAL, side=CELL_MARGIN_SIDE)
    keep_together = KEEP_CLASS in node.classes and len(rows) > 1
    for row_index, (row, header) in enumerate(rows):
        _row_properties(table, row_index, header=header)
        for column, cell_node in enumerate(_cells(row)):
            cell = table.cell(row_index, column)
            paragraph = _paragraph(cell_node, _Container(cell, widths[column]))
            if cell_node.tag == "th" or "month" in cell_node.classes:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif "num" in cell_node.classes:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if keep_together and row_index < len(rows) - 1:
            # Keep-with-next on every row but the last: a table that fits on a page is not split (Word's way).
            for cell in table.rows[row_index].cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
    container.paragraph()  # Word joins two adjacent tables into one: keep an empty paragraph after each


def _widths(extents: list[list[Extent]], available: Length, *, fixed: dict[int, float]) -> list[Length]:
    ems = column_widths(extents, available / EM, padding=CELL_PADDING_EMS, fixed=fixed)
    return [Length(int(EM * width)) for width in ems]


def _fix_widths(table: Table, widths: Sequence[Length]) -> None:
    """Fixed layout with these column widths: <w:tblW>, <w:tblLayout w:type="fixed">, <w:gridCol> and every <w:tcW>."""
    table.autofit = False
    total = Twips(sum(width.twips for width in widths))
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(total.twips))
    tbl_w.set(qn("w:type"), "dxa")
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _cell_margins(table: Table, *, vertical: Length, side: Length) -> None:
    """<w:tblCellMar>: the cells' padding, as a4.css gives it."""
    margins = OxmlElement("w:tblCellMar")
    for edge, width in (("w:top", vertical), ("w:left", side), ("w:bottom", vertical), ("w:right", side)):
        margin = OxmlElement(edge)
        margin.set(qn("w:w"), str(Length(width).twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    layout = table._tbl.tblPr.find(qn("w:tblLayout"))
    layout.addnext(margins)  # schema order: … tblLayout, tblCellMar, tblLook


def _row_properties(table: Table, index: int, *, header: bool) -> None:
    """<w:cantSplit/> on every row, and <w:tblHeader/> on header rows: they repeat on every page of the table."""
    tr_pr = table.rows[index]._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def _contact_box(node: Element, container: _Container) -> None:
    # a4.css: margin-top 2.5em — this empty paragraph's own line is about 1.2 em of it.
    container.paragraph().paragraph_format.space_before = Pt(BODY_SIZE.pt * 1.3)
    table = container.target.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    width = Length(int(EM * CONTACT_WIDTH_EMS))
    _fix_widths(table, [width])
    _cell_margins(table, vertical=Length(int(EM * 0.3)), side=Length(int(EM * 0.8)))  # a4.css: .contact padding
    _row_properties(table, 0, header=False)
    inner = _Container(table.cell(0, 0), width)
    for child in node.children:
        _block(child, inner)
