"""Print marks on our HTML, added in one place after the templates render, and honoured by every builder.

Japanese text may break between any two characters, so a printed page splits 「7月1日 / （水）」 or
「（8 / 月3日～9月30日）」 unless told otherwise. `mark_print_layout` adds three marks to the text of the page (never
to <head>, <style> or attributes):

- `<span class="nobr">` around a date with its 曜日, a time, a range of them, a 和暦 year, a number with its counter
  (10月, 第1回, 173件, 市第2号), a short bracketed word like （通知）, and a `*` with what it marks. HTML/PDF:
  `white-space: nowrap` (a4.css); DOCX: U+2060 WORD JOINER between its characters (docx_builder).
- `<p class="item hang-N"><span class="label">(1)</span>…` for a paragraph that starts with an item label ((1), （1）,
  ①, 「1　」, ・, ※, ○): continuation lines hang N half-ems in, under the text (a4.css; DOCX: hanging indent + tab).
- `class="keep"` on a table of at most KEEP_ROWS rows (a short table: it fits on a page and is kept on one; a longer
  one starts where it stands and continues with its header row repeated), and `class="lead"` on the paragraph right
  before a table (its caption), kept on the table's first page.

Templates stay free of layout detail: rewording them changes nothing here, and a new date in any template is marked.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from dataclasses import dataclass

from markupsafe import escape

NO_BREAK_CLASS = "nobr"
LABEL_CLASS = "label"
ITEM_CLASS = "item"
LEAD_CLASS = "lead"
KEEP_CLASS = "keep"
KEEP_ROWS = 25  # a table of at most this many rows fits on an A4 page: it is kept on one
HANG_PREFIX = "hang-"
MAX_HANG = 12  # half-ems; a4.css has a rule for each of hang-1 … hang-12

_WEEKDAY = r"（[月火水木金土日](?:・祝)?）"
_ERA_YEAR = r"(?:令和|平成)(?:元|\d{1,2})年"
_DAY = rf"(?:{_ERA_YEAR})?\d{{1,2}}月\d{{1,2}}日(?:{_WEEKDAY})?"
_TIME = r"(?:午前|午後)?\d{1,2}(?:時(?:\d{1,2}分|半)?|:\d{2})"
_POINT = rf"(?:{_DAY}(?:[ 　]?{_TIME})?|{_TIME})"
_RANGE = rf"{_POINT}(?:[ 　]?[～〜][ 　]?{_POINT})?"
_BRACKETED = r"[（〔【「][^（）〔〕【】「」\s]{1,6}[）〕】」]\*?"
_COUNTED = r"(?:[^\s\d（）〔〕【】「」]?第)?\d{1,4}[年月日件回号名]"  # 10月, 第1回, 173件, 市第2号
_MARKED = r"\S\*"
NO_BREAK = re.compile(rf"{_RANGE}|{_ERA_YEAR}度?|{_BRACKETED}|{_COUNTED}|{_MARKED}")

# A paragraph's item label and what separates it from the text: "(1) ", "（1）", "①", "1　", "・", "※", "○".
_LABEL = re.compile(r"^(\(\d{1,2}\)|（\d{1,2}）|[①-⑳]|\d{1,2}(?=　)|[・※○])([ 　]?)")
_NOT_ITEMS = frozenset({"right", "center", "para"})

_TOKENS = re.compile(r"(<[^>]*>)")
_CLASS_ATTRIBUTE = re.compile(r'\sclass="([^"]*)"')
_RAW_TEXT = frozenset({"style", "script", "title"})


def text_width(text: str) -> float:
    """Width in ems as a Mincho face prints it: full-width (and ambiguous) characters 1; proportional Latin about as
    wide as IPAex明朝's (digits 0.62, capitals 0.7, small letters 0.56, other signs 0.5 — a little above most);
    a word joiner 0."""
    width = 0.0
    for character in text:
        if character == "\u2060":
            continue
        if unicodedata.east_asian_width(character) in "WFA":
            width += 1.0
        elif character.isdigit():
            width += 0.62
        elif character.isupper():
            width += 0.7
        elif character.islower():
            width += 0.56
        else:
            width += 0.5
    return width


def no_break_units(text: str) -> list[str]:
    """The parts of `text` that must never break across lines."""
    return [match.group(0) for match in NO_BREAK.finditer(text)]


@dataclass(frozen=True)
class Label:
    text: str  # "(1)"
    rest: str  # the paragraph's text after the label and its separator
    hang: int  # half-ems from the label's start to the text's


def item_label(text: str) -> Label | None:
    """The item label a paragraph starts with, if any."""
    match = _LABEL.match(text)
    if match is None or not text[match.end() :].strip():
        return None
    label, separator = match.group(1), match.group(2)
    half_ems = round(2 * (text_width(label) + text_width(separator)))
    return Label(label, text[match.end() :], min(half_ems, MAX_HANG))


def _mark_text(escaped: str) -> str:
    """An escaped text node with its no-break units wrapped: found in the unescaped text, every piece re-escaped as
    the templates escape (markupsafe), so the rest of the node keeps its bytes."""
    text = html_lib.unescape(escaped)
    pieces: list[str] = []
    position = 0
    for match in NO_BREAK.finditer(text):
        pieces.append(str(escape(text[position : match.start()])))
        pieces.append(f'<span class="{NO_BREAK_CLASS}">{escape(match.group(0))}</span>')
        position = match.end()
    if position == 0:
        return escaped  # nothing to mark: the node stays byte for byte as the template escaped it
    pieces.append(str(escape(text[position:])))
    return "".join(pieces)


def _tag_name(token: str) -> str:
    match = re.match(r"^</?\s*([a-zA-Z0-9]+)", token)
    return match.group(1).lower() if match else ""


def _classes(open_tag: str) -> list[str]:
    match = _CLASS_ATTRIBUTE.search(open_tag)
    return match.group(1).split() if match else []


def _with_classes(open_tag: str, extra: list[str]) -> str:
    """`<p …>` (any start tag) with `extra` added to its class attribute (or a class attribute added)."""
    match = _CLASS_ATTRIBUTE.search(open_tag)
    if match is None:
        return f'{open_tag[:-1]} class="{" ".join(extra)}">'
    classes = " ".join([*match.group(1).split(), *extra])
    return f'{open_tag[: match.start()]} class="{classes}"{open_tag[match.end() :]}'


def mark_print_layout(page: str) -> str:
    """`page` (our templates' HTML) with the print marks of this module's table."""
    tokens = _TOKENS.split(page)
    in_head = False
    raw: str | None = None  # inside <style>, <script> or <title>: text, not markup, up to its end tag
    for index, token in enumerate(tokens):
        if not token:
            continue
        if not token.startswith("<"):
            if raw is None and not in_head:
                tokens[index] = _mark_text(token)
            continue
        name, closing = _tag_name(token), token.startswith("</")
        if raw is not None:
            raw = None if closing and name == raw else raw
        elif name == "head":
            in_head = not closing
        elif name in _RAW_TEXT and not closing:
            raw = name
        elif in_head or closing:
            continue
        elif name == "p":
            _mark_item(tokens, index)
        elif name == "table":
            _mark_lead(tokens, index)
            _mark_short_table(tokens, index)
    return "".join(tokens)


def _mark_short_table(tokens: list[str], index: int) -> None:
    rows = 0
    for token in tokens[index + 1 :]:
        if token.startswith("<"):
            name = _tag_name(token)
            if name == "table":
                break  # its end (or a nested table: ours have none)
            rows += name == "tr" and not token.startswith("</")
    if rows <= KEEP_ROWS:
        tokens[index] = _with_classes(tokens[index], [KEEP_CLASS])


def _mark_item(tokens: list[str], index: int) -> None:
    """A <p> whose text starts with an item label: the label in its own span, the paragraph hanging."""
    if index + 1 >= len(tokens) or set(_classes(tokens[index])) & _NOT_ITEMS:
        return
    # Labels hold no character that HTML escapes, so the escaped text starts with the same label.
    label = item_label(tokens[index + 1])
    if label is None:
        return
    tokens[index] = _with_classes(tokens[index], [ITEM_CLASS, f"{HANG_PREFIX}{label.hang}"])
    tokens[index] += f'<span class="{LABEL_CLASS}">{label.text}</span>'
    tokens[index + 1] = label.rest


def _mark_lead(tokens: list[str], index: int) -> None:
    """The paragraph that closes right before a table opens (only whitespace between) leads it: its caption."""
    position = index - 1
    while position >= 0 and not tokens[position].strip():
        position -= 1
    if position < 0 or tokens[position].lower() != "</p>":
        return
    while position >= 0 and not (
        tokens[position].startswith("<")
        and _tag_name(tokens[position]) == "p"
        and not tokens[position].startswith("</")
    ):
        position -= 1
    if position >= 0:
        tokens[position] = _with_classes(tokens[position], [LEAD_CLASS])
