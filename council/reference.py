"""Reference data: the council, its organisations, their contact roles and the bodies they sit on.

Read from data files (reference/municipalities.csv, reference/organizations.csv, reference/roster.yaml, and the
regional promotion's areas and bodies in reference/regional_bodies.yaml), validated
as a whole, then upserted by code: loading is idempotent and reports what it added, changed and removed. Names and
titles become mail display names, subjects and file names: control characters and MIME encoded-word syntax (``=?``)
are refused in every named column, as in the contacts import.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from council.audit import record_change
from council.bodies.reference import BODIES_FILE, RegionalData, read_regional_data, store_regional_data
from council.codes import municipality_code_problem
from council.delivery.message import header_text_problem
from council.errors import InputError
from council.reference_rows import LoadReport
from council.reference_rows import fields as _fields
from council.reference_rows import upsert as _upsert
from council.yamlfile import load_yaml
from models import Body, Contact, Council, Membership, Organization, OrganizationKind

MUNICIPALITY_COLUMNS = ("code", "name", "kana", "kind", "region", "sub_area")
ORGANIZATION_COLUMNS = ("code", "kind", "name", "short_name", "region", "parent_code")
MUNICIPALITY_TYPES = ("市", "町", "村")


@dataclass(frozen=True)
class CouncilRecord:
    code: str
    name: str
    prefecture: str


@dataclass(frozen=True)
class OrganizationRecord:
    code: str
    kind: OrganizationKind
    name: str
    short_name: str | None = None
    kana: str | None = None
    municipality_type: str | None = None
    region: str | None = None
    sub_area: str | None = None
    parent_code: str | None = None
    sort_order: int = 0


@dataclass(frozen=True)
class ContactRecord:
    organization_code: str
    role: str
    title: str


@dataclass(frozen=True)
class MembershipRecord:
    body: Body
    organization_code: str
    role: str
    capacity: str | None = None


@dataclass(frozen=True)
class ReferenceData:
    council: CouncilRecord
    organizations: tuple[OrganizationRecord, ...]
    contacts: tuple[ContactRecord, ...]
    memberships: tuple[MembershipRecord, ...]
    regional: RegionalData | None = None  # reference/regional_bodies.yaml, when the folder has one


# ---------------------------------------------------------------------------------------------------- reading


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows with their 1-based line numbers (the header is line 1)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in required if column not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"missing column(s): {', '.join(missing)}", file=str(path), line=1)
            rows = [
                (index, {key: (value or "").strip() for key, value in row.items() if key is not None})
                for index, row in enumerate(reader, start=2)
            ]
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason})", file=str(path)) from None
    for line, row in rows:
        for column in required:  # names, titles and codes end up in mail headers, file names and HTML
            problem = header_text_problem(row.get(column, ""))
            if problem:
                raise InputError(problem, file=str(path), row=line, field=column)
    return rows


def _required(row: dict[str, str], column: str, path: Path, line: int) -> str:
    value = row.get(column, "")
    if not value:
        raise InputError("is empty", file=str(path), row=line, field=column)
    return value


def read_municipalities(path: Path) -> list[OrganizationRecord]:
    records = []
    for line, row in _read_csv(path, MUNICIPALITY_COLUMNS):
        code = _required(row, "code", path, line)
        problem = municipality_code_problem(code)
        if problem:
            raise InputError(problem, file=str(path), row=line, field="code")
        kind = _required(row, "kind", path, line)
        if kind not in MUNICIPALITY_TYPES:
            raise InputError(f"{kind!r} is not one of 市/町/村", file=str(path), row=line, field="kind")
        records.append(
            OrganizationRecord(
                code=code,
                kind=OrganizationKind.municipality,
                name=_required(row, "name", path, line),
                kana=row.get("kana") or None,
                municipality_type=kind,
                region=_required(row, "region", path, line),
                sub_area=row.get("sub_area") or None,
                sort_order=line - 1,
            )
        )
    return records


def read_organizations(path: Path, taken_codes: set[str]) -> list[OrganizationRecord]:
    records = []
    offset = len(taken_codes)
    kinds = {kind.value for kind in OrganizationKind} - {OrganizationKind.municipality.value}
    for line, row in _read_csv(path, ORGANIZATION_COLUMNS):
        kind = _required(row, "kind", path, line)
        if kind not in kinds:
            raise InputError(
                f"{kind!r} is not one of {'/'.join(sorted(kinds))}", file=str(path), row=line, field="kind"
            )
        code = _required(row, "code", path, line)
        if code in taken_codes:
            raise InputError(f"duplicate organisation code {code!r}", file=str(path), row=line, field="code")
        taken_codes.add(code)
        records.append(
            OrganizationRecord(
                code=code,
                kind=OrganizationKind(kind),
                name=_required(row, "name", path, line),
                short_name=row.get("short_name") or None,
                region=row.get("region") or None,
                parent_code=row.get("parent_code") or None,
                sort_order=offset + line - 1,
            )
        )
    return records


def read_reference(reference_dir: Path) -> ReferenceData:
    """Read and validate all reference files; raises InputError naming the file, row/line and field."""
    municipalities = read_municipalities(reference_dir / "municipalities.csv")
    municipal_codes = Counter(record.code for record in municipalities)
    duplicates = sorted(code for code, count in municipal_codes.items() if count > 1)
    if duplicates:
        raise InputError(
            f"duplicate municipality code(s): {', '.join(duplicates)}", file=str(reference_dir / "municipalities.csv")
        )
    organizations = municipalities + read_organizations(reference_dir / "organizations.csv", set(municipal_codes))
    by_code = {record.code: record for record in organizations}
    for index, record in enumerate(organizations[len(municipalities) :], start=2):
        if record.parent_code and record.parent_code not in by_code:
            raise InputError(
                f"{record.parent_code!r} is not an organisation code",
                file=str(reference_dir / "organizations.csv"),
                row=index,
                field="parent_code",
            )

    roster = load_yaml(reference_dir / "roster.yaml")
    data = roster.data if isinstance(roster.data, dict) else {}
    council_data = data.get("council")
    if not isinstance(council_data, dict):
        raise roster.error(("council",), "must be a mapping with code, name and prefecture")
    for key in ("code", "name", "prefecture"):
        if not isinstance(council_data.get(key), str) or not council_data[key]:
            raise roster.error(("council", key), "is required")
        problem = header_text_problem(council_data[key])
        if problem:
            raise roster.error(("council", key), problem)
    council = CouncilRecord(council_data["code"], council_data["name"], council_data["prefecture"])

    contacts: dict[tuple[str, str], ContactRecord] = {}
    roles_by_kind = data.get("contact_roles") or {}
    if not isinstance(roles_by_kind, dict):
        raise roster.error(("contact_roles",), "must be a mapping of organisation kind to a list of roles")
    for kind_name, roles in roles_by_kind.items():
        if kind_name not in {kind.value for kind in OrganizationKind}:
            raise roster.error(("contact_roles", kind_name), f"{kind_name!r} is not an organisation kind")
        for index, entry in enumerate(roles or []):
            role, title = _role_and_title(roster.error, ("contact_roles", kind_name, index), entry)
            for record in organizations:
                if record.kind == kind_name:
                    contacts[(record.code, role)] = ContactRecord(record.code, role, title.format(name=record.name))
    for index, entry in enumerate(data.get("extra_contacts") or []):
        role, title = _role_and_title(roster.error, ("extra_contacts", index), entry)
        code = entry.get("organization")
        if code not in by_code:
            raise roster.error(("extra_contacts", index, "organization"), f"{code!r} is not an organisation code")
        contacts[(code, role)] = ContactRecord(code, role, title.format(name=by_code[code].name))

    memberships: list[MembershipRecord] = []
    bodies = data.get("bodies") or {}
    if not isinstance(bodies, dict):
        raise roster.error(("bodies",), "must be a mapping of body to a list of selectors")
    for body_name, selectors in bodies.items():
        if body_name not in {body.value for body in Body}:
            raise roster.error(("bodies", body_name), f"{body_name!r} is not one of {', '.join(b.value for b in Body)}")
        for index, selector in enumerate(selectors or []):
            where = ("bodies", body_name, index)
            if not isinstance(selector, dict) or not isinstance(selector.get("role"), str):
                raise roster.error(where, "needs a role and either kind or organization")
            role = selector["role"]
            chosen: list[OrganizationRecord]
            if "organization" in selector:
                if selector["organization"] not in by_code:
                    raise roster.error(
                        (*where, "organization"), f"{selector['organization']!r} is not an organisation code"
                    )
                chosen = [by_code[selector["organization"]]]
            elif "kind" in selector:
                chosen = [record for record in organizations if record.kind == selector["kind"]]
                if not chosen:
                    raise roster.error((*where, "kind"), f"no organisation of kind {selector['kind']!r}")
            else:
                raise roster.error(where, "needs either kind or organization")
            for record in chosen:
                if (record.code, role) not in contacts:
                    raise roster.error((*where, "role"), f"{record.code} has no contact role {role!r}")
                memberships.append(MembershipRecord(Body(body_name), record.code, role, selector.get("capacity")))
    regional_file = reference_dir / BODIES_FILE
    regional = (
        read_regional_data(regional_file, organizations, set(contacts), prefecture=council.prefecture)
        if regional_file.is_file()
        else None
    )
    return ReferenceData(council, tuple(organizations), tuple(contacts.values()), tuple(memberships), regional)


def _role_and_title(error: Any, where: tuple[str | int, ...], entry: Any) -> tuple[str, str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("role"), str) or not entry["role"]:
        raise error(where, "needs a role")
    title = entry.get("title") or entry["role"]
    if not isinstance(title, str):
        raise error((*where, "title"), "must be text")
    for key, text in (("role", entry["role"]), ("title", title)):
        problem = header_text_problem(text)
        if problem:
            raise error((*where, key), problem)
    return entry["role"], title


# ---------------------------------------------------------------------------------------------------- storing


def store_reference(session: Session, data: ReferenceData, *, now: datetime, actor: str) -> LoadReport:
    """Upsert everything by its natural key; memberships no longer in the roster are removed."""
    report = LoadReport()
    council = session.exec(select(Council).where(Council.code == data.council.code)).first()
    council = _upsert(
        session, report, "council", council, asdict(data.council), Council, now=now, actor=actor, key=data.council.code
    )

    organizations: dict[str, Organization] = {row.code: row for row in session.exec(select(Organization)).all()}
    for record in data.organizations:
        values = {name: value for name, value in asdict(record).items() if name != "parent_code"}
        organizations[record.code] = _upsert(
            session,
            report,
            "organization",
            organizations.get(record.code),
            values,
            Organization,
            now=now,
            actor=actor,
            key=record.code,
        )
    for record in data.organizations:  # parents once every row has an id
        row = organizations[record.code]
        parent_id = organizations[record.parent_code].id if record.parent_code else None
        if row.parent_id != parent_id:
            record_change(
                session,
                action="organization.changed",
                row=row,
                before={"parent_id": row.parent_id},
                after={"parent_id": parent_id},
                now=now,
                actor=actor,
                key=record.code,
            )
            row.parent_id = parent_id
            session.add(row)

    contacts = {(row.organization_id, row.role): row for row in session.exec(select(Contact)).all()}
    contact_ids: dict[tuple[str, str], int] = {}
    for contact in data.contacts:
        organization_id = organizations[contact.organization_code].id
        assert organization_id is not None
        values = {"organization_id": organization_id, "role": contact.role, "title": contact.title}
        row = _upsert(
            session,
            report,
            "contact",
            contacts.get((organization_id, contact.role)),
            values,
            Contact,
            now=now,
            actor=actor,
            key=f"{contact.organization_code}/{contact.role}",
        )
        contact_ids[(contact.organization_code, contact.role)] = row.id

    existing_memberships = {
        (row.body, row.contact_id): row
        for row in session.exec(select(Membership).where(Membership.council_id == council.id)).all()
    }
    wanted: set[tuple[Body, int]] = set()
    for membership in data.memberships:
        contact_id = contact_ids[(membership.organization_code, membership.role)]
        wanted.add((membership.body, contact_id))
        values = {
            "council_id": council.id,
            "body": membership.body,
            "contact_id": contact_id,
            "capacity": membership.capacity,
        }
        _upsert(
            session,
            report,
            "membership",
            existing_memberships.get((membership.body, contact_id)),
            values,
            Membership,
            now=now,
            actor=actor,
            key=f"{membership.body.value}/{membership.organization_code}/{membership.role}",
        )
    for membership_key, stale in existing_memberships.items():
        if membership_key not in wanted:
            record_change(
                session,
                action="membership.removed",
                row=stale,
                before=_fields(stale, ("body", "contact_id")),
                after=None,
                now=now,
                actor=actor,
                key=f"{stale.body.value}/{stale.contact_id}",
            )
            session.delete(stale)
            report.removed["membership"] += 1
    session.flush()
    if data.regional is not None:
        assert council.id is not None
        store_regional_data(session, council.id, data.regional, report, now=now, actor=actor)
    return report


def load_reference(session: Session, reference_dir: Path, *, now: datetime, actor: str) -> LoadReport:
    """Read, validate and store the reference data in the caller's transaction."""
    return store_reference(session, read_reference(reference_dir), now=now, actor=actor)


def get_council(session: Session, code: str) -> Council:
    council = session.exec(select(Council).where(Council.code == code)).first()
    if council is None:
        raise InputError(f"council {code!r} is not in the database: run `council init` first")
    return council


def organizations_named(session: Session, references: Sequence[str], option: str) -> list[Organization]:
    """Active organisations by code, name or short name (dept-kikaku, 山形市, 企画 …); InputError naming `option`."""
    found: list[Organization] = []
    for reference in references:
        wanted = reference.strip()
        organization = session.exec(
            select(Organization).where(
                col(Organization.active).is_(True),
                (col(Organization.code) == wanted)
                | (col(Organization.name) == wanted)
                | (col(Organization.short_name) == wanted),
            )
        ).first()
        if organization is None:
            raise InputError(f"no organisation {wanted!r} (give its code, name or short name)", field=option)
        found.append(organization)
    return found
