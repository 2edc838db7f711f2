"""The fixed wording of documents from reference/documents.yaml: meeting purposes and agenda items, survey texts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from council.config import get_settings
from council.documents.text import one_line
from council.errors import InputError
from council.resources import data_dir
from council.yamlfile import KeyPath, YamlDocument, load_yaml
from models.enums import MeetingKind, SurveySection

TEXTS_FILE = "documents.yaml"


class ThemeSelection(StrEnum):
    """Which themes of the fiscal year an agenda item lists."""

    new_candidates = "new_candidates"
    in_progress = "in_progress"
    next_year_initiatives = "next_year_initiatives"
    next_year_candidates = "next_year_candidates"


@dataclass(frozen=True)
class ItemSpec:
    title: str
    themes: ThemeSelection | None = None
    material: str | None = None


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
class DocumentTexts:
    meetings: Mapping[str, MeetingSpec]
    kinds: Mapping[MeetingKind, MeetingSpec]
    common_materials: tuple[str, ...]
    survey: SurveyTexts

    def meeting_spec(self, key: str, kind: MeetingKind) -> MeetingSpec:
        """The spec of meeting `key`, else the fallback for its kind, else a bare one."""
        return self.meetings.get(key) or self.kinds.get(kind) or MeetingSpec(purpose="", items=())


def texts_path() -> Path:
    configured = get_settings().reference_dir / TEXTS_FILE
    return configured if configured.is_file() else data_dir("reference") / TEXTS_FILE


def load_texts(path: Path | None = None) -> DocumentTexts:
    document = load_yaml(path or texts_path())
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
        items.append(
            ItemSpec(
                title=_text(document, (*item_path, "title"), item.get("title")),
                themes=ThemeSelection(selection) if selection is not None else None,
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
