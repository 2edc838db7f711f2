"""The regional promotion (地域における推進体制): the areas of the four regional offices, the bodies each runs with the
municipalities of its area, their members, and the table of each area's initiatives of a fiscal year."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.enums import InitiativeKind
from models.types import aware_column, enum_column

CODE_CHECK = "length(code) > 0 AND length(code) <= 32"


class Area(SQLModel, table=True):
    """An area of the prefecture as the regional promotion works in it: a regional office's whole area (村山, 最上,
    置賜, 庄内), or an area within one (西村山, 北村山 in 村山: `parent_id`). Its municipalities are those whose
    region is its name (a whole area) or whose sub-area is its name (an area within one)."""

    __table_args__ = (
        sa.UniqueConstraint("council_id", "code"),
        sa.UniqueConstraint("council_id", "name"),
        sa.CheckConstraint(CODE_CHECK, name="ck_area_code"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="ck_area_parent"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    code: str = Field(max_length=32)  # murayama, nishimurayama …
    name: str = Field(max_length=20)  # 村山, 西村山 …
    office_id: int = Field(foreign_key="organization.id")  # the regional office (総合支庁) of the area
    parent_id: int | None = Field(default=None, foreign_key="area.id")
    sort_order: int = 0


class RegionalBody(SQLModel, table=True):
    """A body of the regional promotion run by a regional office with municipalities of its area (e.g.
    西村山地域広域連携協議会): it meets regularly to exchange information (calendar/bodies.yaml). A body no longer in
    the reference data is kept inactive (its meetings are records)."""

    __table_args__ = (
        sa.UniqueConstraint("council_id", "code"),
        sa.UniqueConstraint("council_id", "name"),
        sa.CheckConstraint(CODE_CHECK, name="ck_regionalbody_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    code: str = Field(max_length=32)  # nishimurayama-kouiki …
    name: str = Field(max_length=100)
    area_id: int = Field(foreign_key="area.id", index=True)
    convener_id: int = Field(foreign_key="organization.id")  # the regional office that runs it and signs its letters
    sender: str = Field(max_length=200)  # who signs its letters: 山形県村山総合支庁長
    contact_unit: str = Field(max_length=200)  # its letters' contact block: 村山総合支庁連携支援室
    composition: str | None = Field(default=None, max_length=200)  # （管内市町、村山総合支庁等で構成）
    note: str | None = Field(default=None, max_length=500)
    active: bool = True
    sort_order: int = 0


class RegionalBodyMember(SQLModel, table=True):
    """A contact sitting on a regional body (its notices, agendas and minutes go to its members)."""

    __table_args__ = (sa.UniqueConstraint("regional_body_id", "contact_id"),)

    id: int | None = Field(default=None, primary_key=True)
    regional_body_id: int = Field(foreign_key="regionalbody.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)


class RegionalInitiative(SQLModel, table=True):
    """One line of the regional table (【参考】地域における主な連携の取組み): what an area does in a fiscal year,
    〈新規〉 or 〈充実〉, under which body if any."""

    __table_args__ = (
        sa.UniqueConstraint("council_id", "fiscal_year", "area_id", "sort_order"),
        sa.CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="ck_regionalinitiative_fiscal_year"),
        sa.CheckConstraint("length(content) > 0", name="ck_regionalinitiative_content"),
        sa.CheckConstraint("sort_order >= 1", name="ck_regionalinitiative_sort_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    fiscal_year: int = Field(index=True)
    area_id: int = Field(foreign_key="area.id")
    regional_body_id: int | None = Field(default=None, foreign_key="regionalbody.id")
    content: str = Field(max_length=1000)
    kind: InitiativeKind = Field(sa_column=enum_column(InitiativeKind))
    sort_order: int = 1  # within the area
    updated_at: datetime = Field(sa_column=aware_column())
