"""Who takes part: the council, organisations, their contacts and which body each contact sits on."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import Body, OrganizationKind
from models.types import enum_column

# Japanese local-government codes carry a check digit (総務省 全国地方公共団体コード):
# S = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5, check = (11 − S mod 11) mod 10. Kept in the schema so no path can store a
# mistyped code; council.codes has the same rule for friendly messages.
_DIGIT = "CAST(substr(code, {i}, 1) AS INTEGER)"
_WEIGHTED_SUM = " + ".join(f"{w} * {_DIGIT.format(i=i)}" for i, w in enumerate((6, 5, 4, 3, 2), start=1))
_ALL_DIGITS = " AND ".join(f"substr(code, {i}, 1) BETWEEN '0' AND '9'" for i in range(1, 7))
# CASE, not OR: PostgreSQL does not promise to short-circuit OR, and CAST('d' AS INTEGER) would raise there.
MUNICIPALITY_CODE_CHECK = (
    "CASE WHEN kind <> 'municipality' THEN 1 = 1 "
    f"WHEN NOT (length(code) = 6 AND {_ALL_DIGITS}) THEN 1 = 0 "
    f"ELSE (11 - ({_WEIGHTED_SUM}) % 11) % 10 = {_DIGIT.format(i=6)} END"
)


class Council(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=200)
    prefecture: str = Field(max_length=20)
    timezone: str = Field(default="Asia/Tokyo", max_length=64)


class Organization(SQLModel, table=True):
    """A municipality, a prefectural department, a regional office, or the secretariat, keyed by a stable code."""

    __table_args__ = (
        sa.CheckConstraint("length(code) > 0", name="ck_organization_code_nonempty"),
        sa.CheckConstraint(MUNICIPALITY_CODE_CHECK, name="ck_organization_municipality_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    kind: OrganizationKind = Field(sa_column=enum_column(OrganizationKind, index=True))
    name: str = Field(max_length=100)
    short_name: str | None = Field(default=None, max_length=20)
    kana: str | None = Field(default=None, max_length=100)
    municipality_type: str | None = Field(default=None, max_length=4)
    region: str | None = Field(default=None, max_length=20, index=True)
    sub_area: str | None = Field(default=None, max_length=20)
    parent_id: int | None = Field(default=None, foreign_key="organization.id")
    sort_order: int = 0
    active: bool = True


class Contact(SQLModel, table=True):
    """A role within an organisation (企画担当課長, 市町村長, 主幹課長 …) and how to reach it."""

    __table_args__ = (sa.UniqueConstraint("organization_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    role: str = Field(max_length=40)
    title: str | None = Field(default=None, max_length=100)
    person_name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)


class Membership(SQLModel, table=True):
    """Which contact sits on which body of a council."""

    __table_args__ = (sa.UniqueConstraint("council_id", "body", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    body: Body = Field(sa_column=enum_column(Body))
    contact_id: int = Field(foreign_key="contact.id", index=True)
    capacity: str | None = Field(default=None, max_length=40)
