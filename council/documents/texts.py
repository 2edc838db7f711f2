"""The fixed wording of documents, from reference/documents.yaml: meeting purposes and agenda items, the survey's
texts, and every sentence of every letter (with placeholders such as {deadline}, checked when the file is loaded).

Nothing a document says is spelled in Python: builders fill these phrases with the facts.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from council.documents.text import one_line
from council.errors import InputError
from council.themes.lifecycle import ThemeSelection
from council.yamlfile import KeyPath, YamlDocument, load_yaml
from models.enums import MeetingKind, SurveySection

TEXTS_FILE = "documents.yaml"

# Each phrase of `letters:` with the placeholders it may use (a phrase that names another is refused at load time).
LETTER_PHRASES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "advance_notice": {"title": frozenset({"meeting"}), "body": frozenset()},
    "notice": {
        "title": frozenset({"meeting"}),
        "body": frozenset(),
        "purpose": frozenset({"purpose"}),
        "reply": frozenset({"reply_by"}),
        "materials_in_advance": frozenset({"materials_by"}),
        "materials_on_the_day": frozenset(),
    },
    "survey_request": {"title": frozenset({"survey"}), "body": frozenset()},
    "reminder_before_deadline": {
        "title": frozenset({"survey"}),
        "body": frozenset({"request", "deadline"}),
        "deadline_label": frozenset(),
    },
    "reminder_after_deadline": {
        "title": frozenset({"survey"}),
        "body": frozenset({"request", "deadline", "new_deadline"}),
        "deadline_label": frozenset(),
    },
    "cancellation": {"title": frozenset({"meeting"}), "body": frozenset({"notice"})},
    "postponement": {"title": frozenset({"meeting"}), "body": frozenset({"notice"})},
    "correction": {"title_suffix": frozenset(), "note": frozenset({"revised", "reason"})},
    "minutes": {
        "pending": frozenset(),
        "endorsed": frozenset({"prepared"}),
        "adopted": frozenset(),
        "reported": frozenset(),
        "decided": frozenset(),
    },
    "marks": {"draft": frozenset(), "planned_date": frozenset({"date"}), "reference": frozenset({"date", "number"})},
}


@dataclass(frozen=True)
class Phrase:
    """One sentence (or several, for a body) with named placeholders."""

    lines: tuple[str, ...]

    def fill(self, **values: str) -> str:
        return "".join(self.fill_lines(**values))

    def fill_lines(self, **values: str) -> tuple[str, ...]:
        return tuple(line.format(**values) for line in self.lines)


@dataclass(frozen=True)
class LetterTexts:
    phrases: Mapping[str, Mapping[str, Phrase]]

    def __call__(self, letter: str, phrase: str) -> Phrase:
        return self.phrases[letter][phrase]


@dataclass(frozen=True)
class ItemSpec:
    title: str
    themes: ThemeSelection | None = None
    material: str | None = None
    cases: bool = False  # lists the advanced cases (先進事例) chosen for the meeting


@dataclass(frozen=True)
class MeetingSpec:
    purpose: str
    items: tuple[ItemSpec, ...]


@dataclass(frozen=True)
class SectionText:
    label: str  # 情報交換・共有／人的交流
    short: str  # 情報交換等


@dataclass(frozen=True)
class SurveyTexts:
    title: str
    purpose: str
    targets: str
    sections: Mapping[SurveySection, SectionText]
    asked: str
    submission: str


@dataclass(frozen=True)
class TableTexts:
    """The wording of a table document: its title (with {year}, e.g. 平成30年度), a label before it, its columns."""

    title: str
    label: str
    columns: tuple[str, ...]


# The table documents and their columns (documents.yaml `tables:`).
TABLE_COLUMNS: Mapping[str, int] = {"regional_initiatives": 2, "case_handout": 6}


@dataclass(frozen=True)
class DocumentTexts:
    meetings: Mapping[str, MeetingSpec]
    kinds: Mapping[MeetingKind, MeetingSpec]
    common_materials: tuple[str, ...]
    survey: SurveyTexts
    letters: LetterTexts
    tables: Mapping[str, TableTexts]

    def meeting_spec(self, key: str, kind: MeetingKind) -> MeetingSpec:
        """The spec of meeting `key`, else the fallback for its kind, else a bare one."""
        return self.meetings.get(key) or self.kinds.get(kind) or MeetingSpec(purpose="", items=())


def load_texts(path: Path) -> DocumentTexts:
    """reference/documents.yaml (or the council's copy); InputError naming the file, line and key when wrong."""
    document = load_yaml(path)
    if not isinstance(document.data, dict):
        raise InputError("expected a mapping", file=str(document.path))
    meetings = {
        str(key): _meeting_spec(document, ("meetings", str(key)))
        for key in _mapping(document, ("meetings",), required=False)
    }
    kinds: dict[MeetingKind, MeetingSpec] = {}
    for key in _mapping(document, ("kinds",), required=False):
        if key not in MeetingKind.__members__:
            raise document.error(("kinds", key), f"{key!r} is not a meeting kind")
        kinds[MeetingKind(key)] = _meeting_spec(document, ("kinds", key))
    materials = document.data.get("common_materials") or []
    if not isinstance(materials, list):
        raise document.error(("common_materials",), "must be a list")
    return DocumentTexts(
        meetings=meetings,
        kinds=kinds,
        common_materials=tuple(one_line(str(material)) for material in materials),
        survey=_survey_texts(document),
        letters=_letter_texts(document),
        tables=_table_texts(document),
    )


def _mapping(document: YamlDocument, key_path: KeyPath, *, required: bool = True) -> dict[str, Any]:
    value: Any = document.data
    for key in key_path:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise document.error(key_path, "must be a mapping")
    return value


def _text(document: YamlDocument, key_path: KeyPath, value: Any, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise document.error(key_path, "is required")
        return ""
    if not isinstance(value, str):
        raise document.error(key_path, "must be text")
    return one_line(value)


def _meeting_spec(document: YamlDocument, key_path: KeyPath) -> MeetingSpec:
    data = _mapping(document, key_path)
    items_data = data.get("items") or []
    if not isinstance(items_data, list):
        raise document.error((*key_path, "items"), "must be a list")
    items: list[ItemSpec] = []
    for index, item in enumerate(items_data):
        item_path = (*key_path, "items", index)
        if not isinstance(item, dict):
            raise document.error(item_path, "must be a mapping with a title")
        selection = item.get("themes")
        if selection is not None and selection not in ThemeSelection.__members__:
            choices = ", ".join(ThemeSelection)
            raise document.error((*item_path, "themes"), f"{selection!r} is not one of {choices}")
        cases = item.get("cases", False)
        if not isinstance(cases, bool):
            raise document.error((*item_path, "cases"), "must be true or false")
        items.append(
            ItemSpec(
                title=_text(document, (*item_path, "title"), item.get("title")),
                themes=ThemeSelection(selection) if selection is not None else None,
                cases=cases,
                material=_text(document, (*item_path, "material"), item.get("material"), required=False) or None,
            )
        )
    return MeetingSpec(purpose=_text(document, (*key_path, "purpose"), data.get("purpose")), items=tuple(items))


def _survey_texts(document: YamlDocument) -> SurveyTexts:
    data = _mapping(document, ("survey",))
    sections_data = _mapping(document, ("survey", "sections"))
    sections: dict[SurveySection, SectionText] = {}
    for section in SurveySection:
        entry = sections_data.get(section.value)
        path = ("survey", "sections", section.value)
        if not isinstance(entry, dict):
            raise document.error(path, "needs a label and a short label")
        sections[section] = SectionText(
            label=_text(document, (*path, "label"), entry.get("label")),
            short=_text(document, (*path, "short"), entry.get("short")),
        )

    def text(key: str) -> str:
        return _text(document, ("survey", key), data.get(key))

    return SurveyTexts(
        title=text("title"),
        purpose=text("purpose"),
        targets=text("targets"),
        sections=sections,
        asked=text("asked"),
        submission=text("submission"),
    )


def _table_texts(document: YamlDocument) -> dict[str, TableTexts]:
    tables: dict[str, TableTexts] = {}
    for name, count in TABLE_COLUMNS.items():
        path: KeyPath = ("tables", name)
        data = _mapping(document, path)
        title = _text(document, (*path, "title"), data.get("title"))
        _check_placeholders(document, (*path, "title"), title, frozenset({"year"}))
        columns = data.get("columns")
        if not isinstance(columns, list) or len(columns) != count:
            raise document.error((*path, "columns"), f"needs {count} column headings")
        tables[name] = TableTexts(
            title=title,
            label=_text(document, (*path, "label"), data.get("label"), required=False),
            columns=tuple(_text(document, (*path, "columns", index), column) for index, column in enumerate(columns)),
        )
    return tables


def _letter_texts(document: YamlDocument) -> LetterTexts:
    data = _mapping(document, ("letters",))
    phrases: dict[str, dict[str, Phrase]] = {}
    for letter, allowed_by_phrase in LETTER_PHRASES.items():
        entries = _mapping(document, ("letters", letter))
        unknown = sorted(set(entries) - set(allowed_by_phrase))
        if unknown:
            raise document.error(
                ("letters", letter, unknown[0]), f"unknown phrase; expected {sorted(allowed_by_phrase)}"
            )
        phrases[letter] = {}
        for name, allowed in allowed_by_phrase.items():
            key_path: KeyPath = ("letters", letter, name)
            value = entries.get(name)
            raw = value if isinstance(value, list) else [value]
            if value is None or not all(isinstance(line, str) and line.strip() for line in raw):
                raise document.error(key_path, "needs text (a line, or a list of lines)")
            lines = tuple(one_line(str(line)) for line in raw)
            for line in lines:
                _check_placeholders(document, key_path, line, allowed)
            phrases[letter][name] = Phrase(lines)
    del data
    return LetterTexts(phrases)


def _check_placeholders(document: YamlDocument, key_path: KeyPath, text: str, allowed: frozenset[str]) -> None:
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise document.error(key_path, f"bad placeholder in {text!r}: {error}") from None
    unknown = sorted(names - allowed)
    if unknown:
        choices = ", ".join(f"{{{name}}}" for name in sorted(allowed)) or "none"
        raise document.error(key_path, f"unknown placeholder {{{unknown[0]}}}; allowed: {choices}")
