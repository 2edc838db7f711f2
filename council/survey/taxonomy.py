"""The survey's category taxonomy: a data file (reference/survey_categories.yaml) keyed by stable ASCII codes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from council.errors import InputError
from council.yamlfile import reloading
from models.enums import SurveySection

TAXONOMY_FILE = "survey_categories.yaml"

SECTION_LABELS: Mapping[SurveySection, str] = {
    SurveySection.policy: "施策の連携",
    SurveySection.operations: "業務の連携",
    SurveySection.exchange: "情報交換・共有／人的交流",
}


@dataclass(frozen=True)
class Category:
    section: SurveySection
    code: str
    label: str
    note: str = ""
    is_other: bool = False  # the section's catch-all その他: counted in totals, never marked `*`


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]

    def __post_init__(self) -> None:
        codes = [category.code for category in self.categories]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ValueError(f"duplicate category codes: {', '.join(duplicates)}")

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def in_section(self, section: SurveySection) -> tuple[Category, ...]:
        return tuple(category for category in self.categories if category.section == section)

    def by_code(self, code: str) -> Category | None:
        return next((category for category in self.categories if category.code == code), None)

    def other_of(self, section: SurveySection) -> Category | None:
        return next((category for category in self.in_section(section) if category.is_other), None)

    def lookup(self, section: SurveySection, text: str) -> Category | None:
        """The category of `section` named by `text`: its code, its label, or its label with the note (as the
        form's drop-down shows it, e.g. 若者の定着・回帰関係（移住定住、空き家対策、Uターン等）)."""
        wanted = text.strip()
        for category in self.in_section(section):
            if wanted in (category.code, category.label, display_label(category)):
                return category
        return None


def display_label(category: Category) -> str:
    return f"{category.label}{category.note}"


def taxonomy_from_mapping(data: Mapping[str, Any], *, source: str = TAXONOMY_FILE) -> Taxonomy:
    sections = data.get("sections")
    if not isinstance(sections, Mapping):
        raise InputError("expected a mapping 'sections:' of policy/operations/exchange", file=source)
    categories: list[Category] = []
    for section_key, entries in sections.items():
        try:
            section = SurveySection(section_key)
        except ValueError:
            raise InputError(
                f"unknown section {section_key!r}; expected one of {', '.join(s.value for s in SurveySection)}",
                file=source,
            ) from None
        for index, entry in enumerate(entries or (), start=1):
            if not isinstance(entry, Mapping) or not entry.get("code") or not entry.get("label"):
                raise InputError("each category needs a code and a label", file=source, field=f"{section_key}[{index}]")
            categories.append(
                Category(
                    section=section,
                    code=str(entry["code"]),
                    label=str(entry["label"]),
                    note=str(entry.get("note") or ""),
                    is_other=bool(entry.get("other", False)),
                )
            )
    try:
        return Taxonomy(tuple(categories))
    except ValueError as error:
        raise InputError(str(error), file=source) from None


def _read_taxonomy(path: Path) -> Taxonomy:
    with path.open(encoding="utf-8") as handle:
        return taxonomy_from_mapping(yaml.safe_load(handle) or {}, source=path.name)


# The survey's categories (survey_categories.yaml of the reference folder), read once per version of the file.
load_taxonomy = reloading(_read_taxonomy)
