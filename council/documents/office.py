"""The secretariat's letterhead from configuration: sender, department, section, contact block, 文書番号 format.

Read from reference/office.yaml, or from the file named by COUNCIL_OFFICE_FILE. The prefecture renamed the department
after the source was written, so no department or section name is spelled anywhere else.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from council.documents.text import one_line
from council.errors import InputError
from council.yamlfile import KeyPath, YamlDocument, load_yaml
from models.enums import DocumentKind, OrganizationKind

NUMBER_FIELDS = frozenset({"n", "fy"})
# Letters that belong together are signed by one sender (configurable per family in office.yaml).
LETTER_FAMILIES: Mapping[DocumentKind, str] = {
    DocumentKind.advance_notice: "meetings",
    DocumentKind.notice: "meetings",
    DocumentKind.cancellation: "meetings",
    DocumentKind.postponement: "meetings",
    DocumentKind.survey_request: "survey",
    DocumentKind.survey_reminder: "survey",
}
NAME_FIELDS = frozenset({"prefecture", "department", "section"})


@dataclass(frozen=True)
class ContactInfo:
    unit: str  # department and section, placeholders filled in
    team: str
    person: str
    phone: str
    email: str


@dataclass(frozen=True)
class OfficeConfig:
    prefecture: str
    department: str
    section: str
    senders: Mapping[str, str]  # letter family ('meetings', 'survey') or 'default' → the signer, filled in
    seal_note: str
    number_format: str
    contact: ContactInfo
    addressee_groups: Mapping[OrganizationKind, Mapping[str, str]]  # kind → role or 'default' → '各市町村{role}'
    addressee_subsets: Mapping[OrganizationKind, Mapping[str, str]]  # some of them: '関係市町村{role}'
    honorific: str
    fallback_addressee: str
    attendance_reply_business_days: int

    def sender_for(self, kind: DocumentKind) -> str:
        """Who signs a letter of `kind`: its family's sender (every letter of a family signs with one voice: the
        調査依頼 and its 督促 alike), else the default."""
        family = LETTER_FAMILIES.get(kind)
        return (self.senders.get(family) if family else None) or self.senders["default"]

    def group_label(self, kind: OrganizationKind, role: str, *, complete: bool = True) -> str | None:
        """How several members of `kind` with `role` are addressed together — all of them (各市町村…) or only some
        (関係市町村…) — or None (each by its title)."""
        patterns = (self.addressee_groups if complete else self.addressee_subsets).get(kind) or {}
        pattern = patterns.get(role) or patterns.get("default")
        return pattern.format(role=role) if pattern else None

    def number_label(self, sequence: int, fiscal_year: int) -> str:
        """'市第12号' for sequence 12 with the format '市第{n}号'."""
        return self.number_format.format(n=sequence, fy=fiscal_year)

    def blank_number_label(self) -> str:
        """'市第　　号' — a draft's number line, left blank as on a paper draft (no number is taken before issue)."""
        try:
            return self.number_format.format(n="　　", fy="")
        except (ValueError, IndexError):  # a format like {n:03d} wants a number
            return "第　　号"


def load_office(path: Path) -> OfficeConfig:
    """The office configuration (COUNCIL_OFFICE_FILE, else office.yaml of the reference folder); a missing key or a
    bad placeholder is an InputError naming the file and line."""
    document = load_yaml(path)
    data = document.data
    if not isinstance(data, dict):
        raise InputError("expected a mapping of settings", file=str(document.path))
    names = {key: _text(document, (key,)) for key in sorted(NAME_FIELDS)}
    senders_data = data.get("senders")
    if not isinstance(senders_data, dict) or "default" not in senders_data:
        raise document.error(("senders",), "needs at least a 'default' sender")
    valid_keys = {"default", *LETTER_FAMILIES.values()}
    senders: dict[str, str] = {}
    for key in senders_data:
        if key not in valid_keys:
            families = ", ".join(sorted(set(LETTER_FAMILIES.values())))
            raise document.error(("senders", key), f"{key!r} is not 'default' or a letter family ({families})")
        senders[str(key)] = _fill(document, ("senders", key), names)
    number_format = _text(document, ("number_format",))
    _check_fields(document, ("number_format",), number_format, NUMBER_FIELDS, required="n")
    groups = _addressee_patterns(document, "addressee_groups")
    subsets = _addressee_patterns(document, "addressee_subsets")
    reply_days = data.get("attendance_reply_business_days", 5)
    if not isinstance(reply_days, int) or reply_days < 0:
        raise document.error(("attendance_reply_business_days",), "must be a non-negative integer")
    return OfficeConfig(
        prefecture=names["prefecture"],
        department=names["department"],
        section=names["section"],
        senders=senders,
        seal_note=_text(document, ("seal_note",), required=False),
        number_format=number_format,
        contact=ContactInfo(
            unit=_fill(document, ("contact", "unit"), names),
            team=_text(document, ("contact", "team"), required=False),
            person=_text(document, ("contact", "person"), required=False),
            phone=_text(document, ("contact", "phone"), required=False),
            email=_text(document, ("contact", "email"), required=False),
        ),
        addressee_groups=groups,
        addressee_subsets=subsets,
        honorific=_text(document, ("honorific",), required=False),
        fallback_addressee=_text(document, ("fallback_addressee",)),
        attendance_reply_business_days=reply_days,
    )


def _addressee_patterns(document: YamlDocument, name: str) -> dict[OrganizationKind, dict[str, str]]:
    patterns: dict[OrganizationKind, dict[str, str]] = {}
    data = document.data.get(name) or {}
    if not isinstance(data, dict):
        raise document.error((name,), "must be a mapping of organisation kinds")
    for key, value in data.items():
        if key not in OrganizationKind.__members__:
            raise document.error((name, key), f"{key!r} is not an organisation kind")
        roles = value if isinstance(value, dict) else {"default": value}
        patterns[OrganizationKind(key)] = {}
        for role in roles:
            text = _text(document, (name, key, role) if isinstance(value, dict) else (name, key))
            _check_fields(document, (name, key, role), text, frozenset({"role"}))
            patterns[OrganizationKind(key)][str(role)] = text
    return patterns


def _value(data: Any, key_path: KeyPath) -> Any:
    for key in key_path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _text(document: YamlDocument, key_path: KeyPath, *, required: bool = True) -> str:
    value = _value(document.data, key_path)
    if value is None or value == "":
        if required:
            raise document.error(key_path, "is required")
        return ""
    if not isinstance(value, str | int):
        raise document.error(key_path, "must be text")
    return one_line(str(value))


def _check_fields(
    document: YamlDocument, key_path: KeyPath, text: str, allowed: frozenset[str], *, required: str | None = None
) -> None:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise document.error(key_path, f"bad placeholder in {text!r}: {error}") from None
    unknown = fields - allowed
    if unknown:
        raise document.error(key_path, f"unknown placeholder {{{sorted(unknown)[0]}}}; allowed: {sorted(allowed)}")
    if required is not None and required not in fields:
        raise document.error(key_path, f"must contain {{{required}}}")


def _fill(document: YamlDocument, key_path: KeyPath, names: Mapping[str, str]) -> str:
    text = _text(document, key_path)
    _check_fields(document, key_path, text, NAME_FIELDS)
    return text.format(**names)
