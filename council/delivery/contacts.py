"""Contact data: the e-mail addresses (and names, phones) of the roster's contacts, imported from a CSV file.

The source document has no addresses, and they are not reference data: the secretariat keeps them in a CSV file

    org_code,role,title,person_name,email,phone
    062014,企画担当課長,,,kikaku@city.example.jp,023-000-0000

- `org_code` and `role` name the contact (created when the roster lacks it); the other columns are optional.
- An empty cell leaves the stored value as it is (so a file with only addresses does not wipe the roster's titles).
- Lines starting with `#` are comments. UTF-8 (with or without BOM) or Shift_JIS/cp932 as Excel saves it.
- The whole file is checked before anything is written; any problem raises InputError with file, row and field.
- Titles and names end up in mail headers: control characters (line breaks, tabs, bidi overrides) and the MIME
  encoded-word introducer ``=?`` are refused there, not repaired (see council.delivery.message).

`demo_contacts_file()` is a DEMO file (fictitious addresses under the reserved example.jp domain) for the embedded
mode and the simulation — never real contacts.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from council.audit import record_change
from council.delivery.message import ENCODED_WORD_START, header_text_problem
from council.delivery.recipients import known_roles
from council.errors import InputError
from council.resources import data_dir
from models import Contact, Organization

CSV_COLUMNS = ("org_code", "role", "title", "person_name", "email", "phone")
REQUIRED_COLUMNS = ("org_code", "role")
_LIMITS = {"title": 100, "person_name": 100, "email": 254, "phone": 40}
_HEADER_COLUMNS = frozenset({"title", "person_name"})  # what becomes a display name in mail headers

_LOCAL_PART = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_PHONE = re.compile(r"^[0-9+()\- ]+$")


def demo_contacts_file() -> Path:
    """reference/demo/contacts.csv: DEMO addresses (…@062014.example.jp) for the embedded mode and simulations."""
    return data_dir("reference") / "demo" / "contacts.csv"


def normalize_email(text: str) -> str:
    """Full-width characters folded (ｋｉｋａｋｕ＠… → kikaku@…), surrounding spaces removed, domain in lower case."""
    folded = unicodedata.normalize("NFKC", text).strip()
    local, at, domain = folded.rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else folded


def email_problem(address: str) -> str | None:
    """Why `address` cannot be used to send mail, or None. Deliberately plain: ASCII `local@domain.tld` only
    (internationalised domains in their xn-- form)."""
    if not address.isascii():
        return f"{address!r} has non-ASCII characters (write an internationalised domain in its xn-- form)"
    if ENCODED_WORD_START in address:
        return f"{address!r} contains {ENCODED_WORD_START!r}, the start of a MIME encoded-word"
    if address.count("@") != 1:
        return f"{address!r} is not an e-mail address (needs exactly one @)"
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _LOCAL_PART.match(local):
        return f"{address!r} has an invalid part before the @"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        return f"{address!r} has an invalid domain"
    return None


@dataclass(frozen=True)
class ContactRow:
    line: int
    org_code: str
    role: str
    values: dict[str, str]  # only the non-empty optional columns


@dataclass
class ContactImportReport:
    file: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    without_email: list[str] = field(default_factory=list)  # contacts in the file that still have no address

    def summary(self) -> str:
        text = f"{self.file}: added {len(self.added)}, changed {len(self.changed)}, unchanged {self.unchanged}"
        if self.without_email:
            text += f"; without e-mail: {', '.join(self.without_email)}"
        return text


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    for encoding in ("utf-8-sig", "cp932"):  # Excel on Japanese Windows saves CSV as cp932
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("neither UTF-8 nor Shift_JIS text", file=str(path))


def read_contacts_csv(path: Path, *, roles: frozenset[str]) -> list[ContactRow]:
    """Parse and check a contacts file (organisations are checked by `import_contacts`, which has the roster)."""
    name = str(path)
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    header: list[str] | None = None
    rows: list[ContactRow] = []
    first_line: dict[tuple[str, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not cells or all(not cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            unknown = [column for column in header if column not in CSV_COLUMNS]
            if unknown:
                raise InputError(
                    f"unknown column {unknown[0]!r} (columns: {', '.join(CSV_COLUMNS)})", file=name, line=line
                )
            missing = [column for column in REQUIRED_COLUMNS if column not in header]
            if missing:
                raise InputError(f"missing column(s): {', '.join(missing)}", file=name, line=line)
            continue
        if len(cells) > len(header):
            raise InputError(f"{len(cells)} cells but {len(header)} columns", file=name, row=line)
        record = {
            column: unicodedata.normalize("NFC", cell).strip() for column, cell in zip(header, cells, strict=False)
        }
        org_code, role = record.get("org_code", ""), record.get("role", "")
        if not org_code:
            raise InputError("is empty", file=name, row=line, field="org_code")
        if not role:
            raise InputError("is empty", file=name, row=line, field="role")
        if role not in roles:
            raise InputError(
                f"{role!r} is not a known role ({'/'.join(sorted(roles))})", file=name, row=line, field="role"
            )
        key = (org_code, role)
        if key in first_line:
            raise InputError(
                f"{org_code} {role} appears twice (first on row {first_line[key]})", file=name, row=line, field="role"
            )
        first_line[key] = line
        values: dict[str, str] = {}
        for column, limit in _LIMITS.items():
            value = record.get(column, "")
            if not value:
                continue
            if any(unicodedata.category(char) == "Cc" for char in value):
                raise InputError("contains a control character", file=name, row=line, field=column)
            if column in _HEADER_COLUMNS:
                problem = header_text_problem(value)
                if problem:
                    raise InputError(problem, file=name, row=line, field=column)
            if column == "email":
                value = normalize_email(value)
                problem = email_problem(value)
                if problem:
                    raise InputError(problem, file=name, row=line, field=column)
            if column == "phone":
                value = unicodedata.normalize("NFKC", value)
                if not _PHONE.match(value):
                    raise InputError(f"{value!r} is not a phone number", file=name, row=line, field=column)
            if len(value) > limit:
                raise InputError(f"longer than {limit} characters", file=name, row=line, field=column)
            values[column] = value
        rows.append(ContactRow(line=line, org_code=org_code, role=role, values=values))
    if header is None:
        raise InputError(f"no header line ({','.join(CSV_COLUMNS)})", file=name)
    return rows


def import_contacts(
    session: Session, path: Path, *, now: datetime, actor: str, label: str | None = None
) -> ContactImportReport:
    """Check the whole file, then add or update its contacts in the caller's transaction (audited)."""
    name = label or str(path)
    rows = read_contacts_csv(path, roles=known_roles(session))
    organizations = {
        organization.code: organization
        for organization in session.exec(
            select(Organization).where(col(Organization.code).in_(sorted({row.org_code for row in rows})))
        )
    }
    for row in rows:
        if row.org_code not in organizations:
            raise InputError(
                f"{row.org_code!r} is not an organisation on the roster (run `council init`)",
                file=name,
                row=row.line,
                field="org_code",
            )
    report = ContactImportReport(file=name)
    existing = {
        (contact.organization_id, contact.role): contact
        for contact in session.exec(
            select(Contact).where(
                col(Contact.organization_id).in_([organization.id for organization in organizations.values()])
            )
        )
    }
    for row in rows:
        organization_id = organizations[row.org_code].id
        assert organization_id is not None
        key = f"{row.org_code}/{row.role}"
        contact = existing.get((organization_id, row.role))
        if contact is None:
            contact = Contact(organization_id=organization_id, role=row.role)
            for column, value in row.values.items():
                setattr(contact, column, value)
            session.add(contact)
            session.flush()
            record_change(
                session,
                action="contact.added",
                row=contact,
                before=None,
                after=row.values,
                now=now,
                actor=actor,
                key=key,
            )
            report.added.append(key)
        else:
            before = {column: getattr(contact, column) for column in row.values}
            if before == row.values:
                report.unchanged += 1
            else:
                for column, value in row.values.items():
                    setattr(contact, column, value)
                session.add(contact)
                record_change(
                    session,
                    action="contact.changed",
                    row=contact,
                    before=before,
                    after=row.values,
                    now=now,
                    actor=actor,
                    key=key,
                )
                report.changed.append(key)
        if not contact.email:
            report.without_email.append(key)
    session.flush()
    return report
