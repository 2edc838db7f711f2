"""The one place that knows DOCX: a Word document from the HTML our templates produce.

The HTML is the layout source for HTML, PDF and DOCX alike, so the three never drift apart. This builder
understands the small vocabulary of templates/_parts (anything else degrades to plain paragraphs):

| HTML | DOCX |
|---|---|
| `<h1>` | centred bold title, 12 pt |
| `<h2>` | bold paragraph |
| `<p class="right / center">` | right / centred alignment |
| `<p class="gap / para / indent-N">` | space before, 1-em first-line indent, N-em left indent |
| `<div class="contact">` | a one-cell bordered box at the right margin (担当・電話・e-mail) |
| `<table class="grid">`, `<th>`, `<td class="num / month">` | a bordered table, bold headers, right / centred cells |
| `<br>`, `<strong>` | a line break, a bold run |

Japanese text needs the East Asian font named explicitly (`w:rFonts w:eastAsia`) and `w:lang w:eastAsia="ja-JP"`,
on the styles and on every run: Word otherwise picks a Western font and Latin line breaking. Text reaches the XML
through python-docx, which escapes it, and control characters (which XML 1.0 forbids) are dropped.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import docx
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

EAST_ASIAN_FONT = "ＭＳ 明朝"  # present on every Japanese Windows; LibreOffice maps it to IPAex/Noto Mincho
LATIN_FONT = "ＭＳ 明朝"
LANGUAGE = "ja-JP"
LATIN_LANGUAGE = "en-US"
THEME_FONT_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
BODY_SIZE = Pt(10.5)
TITLE_SIZE = Pt(12)
EM = BODY_SIZE
VOID_TAGS = frozenset({"br", "meta", "link", "img", "hr", "col"})
SKIPPED_TAGS = frozenset({"head", "style", "script", "title"})
CONTAINER_TAGS = frozenset({"html", "body", "div", "section", "header", "footer", "main", "article", "thead", "tbody"})
_ASCII_SPACES = re.compile(r"[ \t\r\n\f]+")
_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INDENT = re.compile(r"^indent-(\d)$")


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
    container = _Container(document)
    for child in parse_html(html).children:
        _block(child, container)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class _Container:
    """The document body or a table cell: where the next paragraph or table goes."""

    def __init__(self, target: DocxDocument | _Cell) -> None:
        self.target = target
        # A new cell already holds one empty paragraph; use it for the first one instead of leaving a blank line.
        self._spare: Paragraph | None = target.paragraphs[0] if isinstance(target, _Cell) else None

    def paragraph(self) -> Paragraph:
        if self._spare is not None:
            spare, self._spare = self._spare, None
            return spare
        return self.target.add_paragraph()


def _set_up(document: DocxDocument, title: str) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    section.left_margin, section.right_margin = Mm(25), Mm(20)
    for style_name in ("Normal", "Table Grid"):
        style = document.styles[style_name]
        style.font.name = LATIN_FONT
        if style_name == "Normal":
            style.font.size = BODY_SIZE
            style.paragraph_format.space_after = Pt(0)
            style.paragraph_format.space_before = Pt(0)
        _east_asian(style.element.get_or_add_rPr())
    _east_asian(_defaults_rpr(document))
    properties = document.core_properties
    properties.title = _clean(title)
    properties.language = LANGUAGE
    properties.author = ""
    properties.comments = ""


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


def _east_asian(rpr: BaseOxmlElement) -> None:
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
    lang.set(qn("w:eastAsia"), LANGUAGE)


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


def _paragraph(node: Element, container: _Container) -> Paragraph:
    paragraph = container.paragraph()
    fmt = paragraph.paragraph_format
    if node.tag == "h1":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.space_before, fmt.space_after = Pt(18), Pt(18)
    elif node.tag in ("h2", "h3"):
        fmt.space_before, fmt.space_after = EM, Pt(3)
    if "right" in node.classes:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif "center" in node.classes:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if "gap" in node.classes:
        fmt.space_before = EM
    if "para" in node.classes:
        fmt.first_line_indent = EM
    for css_class in node.classes:
        match = _INDENT.match(css_class)
        if match:
            fmt.left_indent = EM * int(match.group(1))
    bold = node.tag in ("h1", "h2", "h3", "th")
    size = TITLE_SIZE if node.tag == "h1" else None
    pieces = _inline(node, bold=bold)
    _trim(pieces)
    for text, is_bold, is_break in pieces:
        run = paragraph.add_run()
        if is_break:
            run.add_break()
            continue
        run.text = text
        run.bold = is_bold or None
        if size is not None:
            run.font.size = size
        _east_asian(run._r.get_or_add_rPr())
    return paragraph


Piece = tuple[str, bool, bool]  # text, bold, line break


def _inline(node: Element, *, bold: bool) -> list[Piece]:
    pieces: list[Piece] = []
    for child in node.children:
        if isinstance(child, str):
            text = _clean(_ASCII_SPACES.sub(" ", child))
            if text:
                pieces.append((text, bold, False))
        elif child.tag == "br":
            pieces.append(("", bold, True))
        elif child.tag not in SKIPPED_TAGS:
            pieces.extend(_inline(child, bold=bold or child.tag in ("strong", "b")))
    return pieces


def _trim(pieces: list[Piece]) -> None:
    """Drop the spaces that template line breaks leave at the edges of a paragraph."""
    while pieces and not pieces[0][2] and not pieces[0][0].strip(" "):
        pieces.pop(0)
    while pieces and not pieces[-1][2] and not pieces[-1][0].strip(" "):
        pieces.pop()
    if pieces and not pieces[0][2]:
        pieces[0] = (pieces[0][0].lstrip(" "), *pieces[0][1:])
    if pieces and not pieces[-1][2]:
        pieces[-1] = (pieces[-1][0].rstrip(" "), *pieces[-1][1:])


def _rows(node: Element) -> list[Element]:
    rows: list[Element] = []
    for child in node.children:
        if isinstance(child, Element):
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in ("thead", "tbody", "tfoot"):
                rows.extend(_rows(child))
    return rows


def _cells(row: Element) -> list[Element]:
    return [child for child in row.children if isinstance(child, Element) and child.tag in ("th", "td")]


def _table(node: Element, container: _Container) -> None:
    rows = _rows(node)
    width = max((len(_cells(row)) for row in rows), default=0)
    if not rows or width == 0:
        return
    table = container.target.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    for row_index, row in enumerate(rows):
        for column, cell_node in enumerate(_cells(row)):
            cell = table.cell(row_index, column)
            paragraph = _paragraph(cell_node, _Container(cell))
            if cell_node.tag == "th" or "month" in cell_node.classes:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif "num" in cell_node.classes:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    container.paragraph()  # Word joins two adjacent tables into one: keep an empty paragraph after each


def _contact_box(node: Element, container: _Container) -> None:
    container.paragraph().paragraph_format.space_before = EM  # room above the box
    table = container.target.add_table(rows=1, cols=1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    table.autofit = False
    cell = table.cell(0, 0)
    cell.width = Mm(80)
    inner = _Container(cell)
    for child in node.children:
        _block(child, inner)
