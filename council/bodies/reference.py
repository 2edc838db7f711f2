"""The regional promotion's reference data (reference/regional_bodies.yaml): the areas of the regional offices, the
bodies each runs and their members — validated as a whole, then stored by code with what changed (`council init`).

Names become mail headers, file names and HTML: control characters and MIME encoded-word syntax are refused, as in
the rest of the reference data. A body no longer in the file is kept, inactive (its meetings are records); a member
no longer listed is removed from it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import Session, col, select

from council.audit import record_change
from council.delivery.message import header_text_problem
from council.delivery.recipients import PRIMARY_ROLES
from council.errors import InputError
from council.reference_rows import LoadReport, fields, upsert
from council.yamlfile import KeyPath, YamlDocument, load_yaml
from models import Area, Contact, Organization, OrganizationKind, RegionalBody, RegionalBodyMember

BODIES_FILE = "regional_bodies.yaml"
AREA_CODE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
BODY_CODE = re.compile(r"^[a-z][a-z0-9-]{0,29}$")  # its meetings are '<code>-<n>' (at most 40 characters)


class OrganizationLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> OrganizationKind: ...
    @property
    def region(self) -> str | None: ...
    @property
    def sub_area(self) -> str | None: ...


@dataclass(frozen=True)
class AreaRecord:
    code: str
    name: str
    office_code: str
    parent_code: str | None
    sort_order: int


@dataclass(frozen=True)
class BodyRecord:
    code: str
    name: str
    area_code: str
    convener_code: str
    sender: str  # 山形県村山総合支庁長
    contact_unit: str  # 村山総合支庁連携支援室
    composition: str | None
    note: str | None
    members: tuple[tuple[str, str], ...]  # (organisation code, contact role), the convener first
    sort_order: int


@dataclass(frozen=True)
class RegionalData:
    areas: tuple[AreaRecord, ...]
    bodies: tuple[BodyRecord, ...]


def area_municipalities(
    area: AreaRecord, parent: AreaRecord | None, organizations: Sequence[OrganizationLike]
) -> list[str]:
    """The codes of the municipalities of an area, in roster order: a whole area's by region, an area within one by
    sub-area."""
    return [
        org.code
        for org in organizations
        if org.kind == OrganizationKind.municipality
        and (org.sub_area == area.name and org.region == parent.name if parent is not None else org.region == area.name)
    ]


class _Reader:
    def __init__(
        self,
        document: YamlDocument,
        organizations: Sequence[OrganizationLike],
        contacts: set[tuple[str, str]],
        prefecture: str,
    ) -> None:
        self.document = document
        self.prefecture = prefecture
        self.organizations = organizations
        self.by_code = {org.code: org for org in organizations}
        self.contacts = contacts

    def fail(self, path: KeyPath, message: str) -> InputError:
        return self.document.error(path, message)

    def mapping(
        self, value: Any, path: KeyPath, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping with {', '.join(required)}")
        for key in value:
            if key not in required + optional:
                raise self.fail((*path, str(key)), f"unknown key {key!r} (allowed: {', '.join(required + optional)})")
        for key in required:
            if key not in value:
                raise self.fail(path, f"missing key {key!r}")
        return value

    def text(self, value: Any, path: KeyPath, limit: int, *, required: bool = True) -> str | None:
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"expected a non-empty text, got {value!r}")
        if len(value) > limit:
            raise self.fail(path, f"longer than {limit} characters")
        problem = header_text_problem(value)
        if problem:
            raise self.fail(path, problem)
        return value.strip()

    def code(self, value: Any, path: KeyPath, pattern: re.Pattern[str], what: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise self.fail(path, f"{value!r} is not a valid {what} code ({pattern.pattern})")
        return value

    def sequence(self, value: Any, path: KeyPath) -> list[tuple[Any, KeyPath]]:
        if not isinstance(value, list) or not value:
            raise self.fail(path, "expected a non-empty list")
        return [(item, (*path, index)) for index, item in enumerate(value)]

    def read(self) -> RegionalData:
        top = self.mapping(self.document.data, (), ("letters", "areas", "bodies"), ())
        letters = self.mapping(top["letters"], ("letters",), ("sender", "contact"), ())
        for key in ("sender", "contact"):
            self.pattern(letters[key], ("letters", key))
        areas = self.read_areas(top["areas"])
        bodies = self.read_bodies(top["bodies"], areas, letters)
        return RegionalData(tuple(areas.values()), bodies)

    def pattern(self, value: Any, path: KeyPath) -> str:
        text = self.text(value, path, 100)
        assert text is not None
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as error:
            raise self.fail(path, f"bad placeholder in {text!r}: {error}") from None
        unknown = sorted(names - {"prefecture", "office"})
        if unknown:
            raise self.fail(path, f"unknown placeholder {{{unknown[0]}}}; allowed: {{prefecture}}, {{office}}")
        return text

    def read_areas(self, value: Any) -> dict[str, AreaRecord]:
        areas: dict[str, AreaRecord] = {}
        names: set[str] = set()
        for index, (item, path) in enumerate(self.sequence(value, ("areas",)), start=1):
            raw = self.mapping(item, path, ("code", "name", "office"), ("parent",))
            code = self.code(raw["code"], (*path, "code"), AREA_CODE, "area")
            if code in areas:
                raise self.fail((*path, "code"), f"area {code!r} is defined twice")
            name = self.text(raw["name"], (*path, "name"), 20)
            assert name is not None
            if name in names:
                raise self.fail((*path, "name"), f"area name {name!r} is used twice")
            office = raw["office"]
            if office not in self.by_code or self.by_code[office].kind != OrganizationKind.regional_office:
                raise self.fail((*path, "office"), f"{office!r} is not a regional office code")
            parent = raw.get("parent")
            if parent is not None:
                if parent not in areas:
                    raise self.fail((*path, "parent"), f"{parent!r} is not an area defined above")
                if areas[parent].parent_code is not None:
                    raise self.fail((*path, "parent"), f"{parent!r} is itself within an area")
                if areas[parent].office_code != office:
                    raise self.fail((*path, "office"), f"{office!r} is not the office of {parent!r}")
            record = AreaRecord(code, name, office, parent, index)
            if not area_municipalities(record, areas.get(parent) if parent else None, self.organizations):
                raise self.fail((*path, "name"), f"no municipality of municipalities.csv is in {name!r}")
            areas[code] = record
            names.add(name)
        return areas

    def read_bodies(
        self, value: Any, areas: Mapping[str, AreaRecord], letters: Mapping[str, str]
    ) -> tuple[BodyRecord, ...]:
        bodies: list[BodyRecord] = []
        for index, (item, path) in enumerate(self.sequence(value, ("bodies",)), start=1):
            raw = self.mapping(item, path, ("code", "name", "area", "members"), ("composition", "note"))
            code = self.code(raw["code"], (*path, "code"), BODY_CODE, "body")
            if any(body.code == code for body in bodies):
                raise self.fail((*path, "code"), f"body {code!r} is defined twice")
            name = self.text(raw["name"], (*path, "name"), 100)
            assert name is not None
            if any(body.name == name for body in bodies):
                raise self.fail((*path, "name"), f"body name {name!r} is used twice")
            area_code = raw["area"]
            if area_code not in areas:
                raise self.fail((*path, "area"), f"{area_code!r} is not an area code")
            convener = areas[area_code].office_code
            names = {"prefecture": self.prefecture, "office": self.by_code[convener].name}
            members: dict[tuple[str, str], None] = {(convener, PRIMARY_ROLES[OrganizationKind.regional_office]): None}
            for selector, selector_path in self.sequence(raw["members"], (*path, "members")):
                for member in self.select(selector, selector_path, areas):
                    members.setdefault(member, None)
            bodies.append(
                BodyRecord(
                    code=code,
                    name=name,
                    area_code=area_code,
                    convener_code=convener,
                    sender=letters["sender"].format(**names),
                    contact_unit=letters["contact"].format(**names),
                    composition=self.text(raw.get("composition"), (*path, "composition"), 200, required=False),
                    note=self.text(raw.get("note"), (*path, "note"), 500, required=False),
                    members=tuple(members),
                    sort_order=index,
                )
            )
        return tuple(bodies)

    def select(self, value: Any, path: KeyPath, areas: Mapping[str, AreaRecord]) -> list[tuple[str, str]]:
        raw = self.mapping(value, path, (), ("area", "organization", "role"))
        if ("area" in raw) == ("organization" in raw):
            raise self.fail(path, "name either an area or an organization")
        if "area" in raw:
            if "role" in raw:
                raise self.fail(
                    (*path, "role"),
                    "an area selects its municipalities' 企画担当課長; name organizations for other roles",
                )
            area = areas.get(raw["area"])
            if area is None:
                raise self.fail((*path, "area"), f"{raw['area']!r} is not an area code")
            parent = areas[area.parent_code] if area.parent_code else None
            role = PRIMARY_ROLES[OrganizationKind.municipality]
            return [(code, role) for code in area_municipalities(area, parent, self.organizations)]
        code = raw["organization"]
        if code not in self.by_code:
            raise self.fail((*path, "organization"), f"{code!r} is not an organisation code")
        role = raw.get("role") or PRIMARY_ROLES[self.by_code[code].kind]
        if (code, role) not in self.contacts:
            raise self.fail((*path, "role"), f"{code} has no contact role {role!r}")
        return [(code, role)]


def read_regional_data(
    path: Path, organizations: Sequence[OrganizationLike], contacts: set[tuple[str, str]], *, prefecture: str
) -> RegionalData:
    """Read and validate the file; any problem is an InputError naming the file, the line and the key path."""
    return _Reader(load_yaml(path), organizations, contacts, prefecture).read()


def store_regional_data(
    session: Session, council_id: int, data: RegionalData, report: LoadReport, *, now: datetime, actor: str
) -> None:
    """Upsert areas, bodies and members by code, in the caller's transaction (see the module doc)."""
    organizations = {org.code: org.id for org in session.exec(select(Organization)).all()}
    areas = {row.code: row for row in session.exec(select(Area).where(Area.council_id == council_id)).all()}
    for record in data.areas:
        values = {
            "council_id": council_id,
            "code": record.code,
            "name": record.name,
            "office_id": organizations[record.office_code],
            "sort_order": record.sort_order,
        }
        areas[record.code] = upsert(
            session, report, "area", areas.get(record.code), values, Area, now=now, actor=actor, key=record.code
        )
    for record in data.areas:  # parents once every area has an id
        row = areas[record.code]
        parent_id = areas[record.parent_code].id if record.parent_code else None
        if row.parent_id != parent_id:
            record_change(
                session,
                action="area.changed",
                row=row,
                before={"parent_id": row.parent_id},
                after={"parent_id": parent_id},
                now=now,
                actor=actor,
                key=record.code,
            )
            row.parent_id = parent_id
            session.add(row)
    contacts: dict[tuple[str, str], int] = {
        (code, role): contact_id
        for contact_id, code, role in session.exec(
            select(Contact.id, Organization.code, Contact.role).join(
                Organization, col(Organization.id) == col(Contact.organization_id)
            )
        ).all()
        if contact_id is not None
    }
    bodies = {
        row.code: row for row in session.exec(select(RegionalBody).where(RegionalBody.council_id == council_id)).all()
    }
    listed = {body.code for body in data.bodies}
    for body_record in data.bodies:
        values = {
            "council_id": council_id,
            "code": body_record.code,
            "name": body_record.name,
            "area_id": areas[body_record.area_code].id,
            "convener_id": organizations[body_record.convener_code],
            "sender": body_record.sender,
            "contact_unit": body_record.contact_unit,
            "composition": body_record.composition,
            "note": body_record.note,
            "active": True,
            "sort_order": body_record.sort_order,
        }
        body = upsert(
            session,
            report,
            "regional_body",
            bodies.get(body_record.code),
            values,
            RegionalBody,
            now=now,
            actor=actor,
            key=body_record.code,
        )
        _store_members(
            session, report, body, [contacts[member] for member in body_record.members], now=now, actor=actor
        )
    for code, stale in bodies.items():
        if code not in listed and stale.active:
            before = fields(stale, ("active",))
            stale.active = False
            session.add(stale)
            report.removed["regional_body"] += 1
            record_change(
                session,
                action="regional_body.retired",
                row=stale,
                before=before,
                after={"active": False},
                now=now,
                actor=actor,
                key=code,
            )
    session.flush()


def _store_members(
    session: Session, report: LoadReport, body: RegionalBody, contact_ids: list[int], *, now: datetime, actor: str
) -> None:
    existing = {
        row.contact_id: row
        for row in session.exec(select(RegionalBodyMember).where(RegionalBodyMember.regional_body_id == body.id)).all()
    }
    for contact_id in contact_ids:
        values = {"regional_body_id": body.id, "contact_id": contact_id}
        upsert(
            session,
            report,
            "body_member",
            existing.get(contact_id),
            values,
            RegionalBodyMember,
            now=now,
            actor=actor,
            key=f"{body.code}/{contact_id}",
        )
    for contact_id, stale in existing.items():
        if contact_id not in contact_ids:
            record_change(
                session,
                action="body_member.removed",
                row=stale,
                before=fields(stale, ("contact_id",)),
                after=None,
                now=now,
                actor=actor,
                key=f"{body.code}/{contact_id}",
            )
            session.delete(stale)
            report.removed["body_member"] += 1
